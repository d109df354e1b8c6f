import type { Clock, TimerHandle } from '../util/clock.js';

/**
 * Calls `onIdle` once when `touch()` has not been called for `timeoutMs`. Touching only records
 * the time: the one pending timer re-arms itself for the remainder when it fires early, so a
 * busy connection costs no timer churn (10,000 connections, one timer each).
 */
export class IdleTimer {
  private lastActivity: number;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {
    this.lastActivity = clock.monotonic();
    this.arm(timeoutMs);
  }

  touch(): void {
    this.lastActivity = this.clock.monotonic();
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimer(() => this.check(), ms);
  }

  private check(): void {
    const remaining = this.lastActivity + this.timeoutMs - this.clock.monotonic();
    if (remaining > 0) {
      this.arm(remaining);
      return;
    }
    this.timer = undefined;
    this.onIdle();
  }
}
