/**
 * The runner's writes that the API has not answered yet. A slow or unreachable API must not
 * freeze the shift: the runner keeps probing and deciding while they are out, warns when one is
 * slow, and gives up at the API deadline (or sooner after an interrupt) saying what was and was
 * not written. The bookkeeping and the wording are here; the timers are the runner's.
 */
import { formatDuration } from '../util/duration.js';
import type { RouteObservation, WeightPurpose } from './decide.js';

export interface PendingWrite {
  /** `weight` (canary W, with the state) or `state` (the state alone). */
  kind: 'weight' | 'state';
  canaryWeight?: number;
  purpose?: WeightPurpose;
  sentAt: number;
  /** The pending time of the last warning about it (0: none yet). */
  warnedAtMs: number;
}

/** The first warning comes this long after a write was sent; the next ones every SLOW_REPEAT_MS. */
export const SLOW_WRITE_WARN_MS = 5000;
const SLOW_REPEAT_MS = 15_000;

export class PendingWrites {
  private readonly writes: PendingWrite[] = [];
  /** An earlier end for every pending write than the API deadline (after an interrupt). */
  private cutOffAt: number | undefined;

  /** @param deadlineMs how long a write may stay unanswered before the runner gives up (undefined: forever). */
  constructor(private readonly deadlineMs: number | undefined) {}

  add(write: Omit<PendingWrite, 'warnedAtMs'>): PendingWrite {
    const pending = { ...write, warnedAtMs: 0 };
    this.writes.push(pending);
    return pending;
  }

  remove(write: PendingWrite): void {
    const i = this.writes.indexOf(write);
    if (i >= 0) this.writes.splice(i, 1);
  }

  /** The newest weight write out, if any. */
  latestWeight(): PendingWrite | undefined {
    return this.writes.filter((w) => w.kind === 'weight').at(-1);
  }

  /** Canary weights of the weight writes out, oldest first. */
  weightsInFlight(): number[] {
    return this.writes.flatMap((w) => (w.kind === 'weight' && w.canaryWeight !== undefined ? [w.canaryWeight] : []));
  }

  isLatestWeight(write: PendingWrite): boolean {
    return this.latestWeight() === write;
  }

  /** A weight write of exactly these weights is out (the watch may show it committed before its acknowledgement). */
  carries(canaryWeight: number, stableWeight: number): boolean {
    return this.writes.some((w) => w.kind === 'weight' && w.canaryWeight === canaryWeight && stableWeight === 100 - canaryWeight);
  }

  /** Each write out and how long ago it was sent. */
  describeAll(now: number): string[] {
    return this.writes.map((w) => `${describe(w)} sent ${formatDuration(Math.max(0, now - w.sentAt))} ago`);
  }

  /** Wait at most `ms` more for whatever is (or will be) pending: an interrupt does not wait out the API deadline. */
  cutOff(now: number, ms: number): void {
    this.cutOffAt = Math.min(this.cutOffAt ?? Infinity, now + ms);
  }

  /** When the oldest pending write must have been answered; undefined when nothing is pending or there is no limit. */
  dueAt(): number | undefined {
    const oldest = this.writes[0];
    if (!oldest) return undefined;
    const due = Math.min(this.deadlineMs === undefined ? Infinity : oldest.sentAt + this.deadlineMs, this.cutOffAt ?? Infinity);
    return Number.isFinite(due) ? due : undefined;
  }

  overdue(now: number): boolean {
    const due = this.dueAt();
    return due !== undefined && now >= due;
  }

  /** Writes that deserve a (new) warning now; marks them warned. */
  slow(now: number): PendingWrite[] {
    return this.writes.filter((w) => {
      const pendingMs = now - w.sentAt;
      const next = w.warnedAtMs === 0 ? SLOW_WRITE_WARN_MS : w.warnedAtMs + SLOW_REPEAT_MS;
      if (pendingMs < next) return false;
      w.warnedAtMs = pendingMs;
      return true;
    });
  }

  /** What was and was not written, for the reason the shift ends with when the API does not answer. */
  unanswered(now: number, route: RouteObservation): string {
    const limit = this.cutOffAt !== undefined && (this.deadlineMs === undefined || this.cutOffAt < (this.writes[0]?.sentAt ?? now) + this.deadlineMs)
      ? 'before the process had to stop'
      : `within the API deadline (${formatDuration(this.deadlineMs ?? 0)})`;
    const acknowledged = `stable ${route.stableWeight} / canary ${route.canaryWeight}`;
    const out = this.describeAll(now);
    const weights = this.writes.filter((w) => w.kind === 'weight').map((w) => `canary ${w.canaryWeight}`);
    const mayCarry = weights.length ? `the route carries ${acknowledged} (the last acknowledged write) or ${weights.join(' or ')}` : `the route carries ${acknowledged}`;
    return `the API did not answer ${limit}: NOT acknowledged: ${out.join('; ')}; ${mayCarry}`;
  }
}

export function describe(write: Pick<PendingWrite, 'kind' | 'canaryWeight' | 'purpose'>): string {
  if (write.kind === 'state') return 'the state annotations';
  const what = write.purpose === 'rollback' ? 'rollback' : write.purpose === 'promote' ? 'promotion' : 'route write';
  return `${what} (canary ${write.canaryWeight})`;
}
