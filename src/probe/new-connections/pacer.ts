/**
 * Paces starts at `ratePerSecond` from the first one (0 or Infinity: no pacing). Pure: the
 * caller passes monotonic time and asks how many may start now and when the next may.
 */
export class Pacer {
  private origin: number | undefined;
  private started = 0;

  constructor(private readonly ratePerSecond: number) {}

  get unpaced(): boolean {
    return !(this.ratePerSecond > 0 && Number.isFinite(this.ratePerSecond));
  }

  /** How many starts are due at `now` (Infinity when unpaced). */
  due(now: number): number {
    if (this.unpaced) return Infinity;
    if (this.origin === undefined) return 1;
    const allowed = Math.floor(((now - this.origin) * this.ratePerSecond) / 1000) + 1;
    return Math.max(0, allowed - this.started);
  }

  /** Record a start at `now`. */
  take(now: number): void {
    this.origin ??= now;
    this.started++;
  }

  /** Monotonic time at which the next start is due. */
  nextAt(now: number): number {
    if (this.unpaced || this.origin === undefined) return now;
    return this.origin + (this.started * 1000) / this.ratePerSecond;
  }
}
