/**
 * A controller-wide bound on probe connections (`--probe-budget-connections`), so that many
 * shifts at once (or one tenant's large ones) queue instead of exhausting the process's file
 * descriptors and memory. A shift's cost is what its prober may hold open at once: its long-lived
 * connections plus its new-connection concurrency (one in light probe mode).
 *
 * Only a shift that has not written anything yet waits: it is admitted in FIFO order when its
 * cost fits (a shift costing more than the whole budget runs alone), and it never writes while
 * waiting. A shift already under way (a failover, a resume) always gets its probes back: it holds
 * a weight, and leaving it unprobed would be worse than going over the budget for a while.
 */
import type { ResolvedSpec } from '../spec/resolved-shift.js';

/** Connections a shift's prober holds at most: long-lived plus sampling concurrency, per match port of target.matchPorts (light probes: one). */
export function probeCost(mode: 'full' | 'light', spec: ResolvedSpec): number {
  const ports = spec.probe.ports?.length ?? 1;
  return mode === 'light' ? 1 : ports * (spec.probe.longLived.connections + spec.probe.newConnections.concurrency);
}

export interface BudgetWait {
  /** Connections this shift needs. */
  needed: number;
  /** Connections held by running shifts. */
  inUse: number;
  capacity: number;
  /** Shifts queued before this one. */
  ahead: number;
}

export class ProbeBudget {
  private readonly held = new Map<string, number>();
  private readonly queue: string[] = [];
  private used = 0;

  constructor(
    readonly capacity: number,
    /** Called for each waiting shift when connections are freed. */
    private readonly wake: (key: string) => void,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`probe budget must be a whole number above 0, got ${capacity}`);
  }

  /** Connections held now. */
  get inUse(): number {
    return this.used;
  }

  /** Shifts waiting now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Admit a shift that has not started: undefined when admitted (or already holding), else why it waits. */
  admit(key: string, cost: number): BudgetWait | undefined {
    if (this.held.has(key)) return undefined;
    if (!this.queue.includes(key)) this.queue.push(key);
    const ahead = this.queue.indexOf(key);
    const fits = this.used + cost <= this.capacity || this.used === 0;
    if (ahead === 0 && fits) {
      this.queue.shift();
      this.take(key, cost);
      return undefined;
    }
    return { needed: cost, inUse: this.used, capacity: this.capacity, ahead };
  }

  /** A shift under way takes its probes back whatever the budget says. */
  hold(key: string, cost: number): void {
    if (this.held.has(key)) return;
    this.dequeue(key);
    this.take(key, cost);
  }

  /** The shift stopped probing (or is gone): its connections go back, the queue is woken. */
  release(key: string): void {
    const cost = this.held.get(key);
    this.dequeue(key);
    if (cost === undefined) return;
    this.held.delete(key);
    this.used -= cost;
    for (const waiting of this.queue) this.wake(waiting);
  }

  /** Forget everything (leadership lost: every prober is stopped). */
  clear(): void {
    this.held.clear();
    this.queue.length = 0;
    this.used = 0;
  }

  private take(key: string, cost: number): void {
    this.held.set(key, cost);
    this.used += cost;
  }

  private dequeue(key: string): void {
    const i = this.queue.indexOf(key);
    if (i >= 0) this.queue.splice(i, 1);
  }
}

/** The Degraded message of a waiting shift (stable while it waits in the same place: one Event per move). */
export function budgetWaitMessage(wait: BudgetWait): string {
  const queue = wait.ahead === 0 ? 'next in line' : `${wait.ahead} shift${wait.ahead === 1 ? '' : 's'} ahead in the queue`;
  return `waiting for probe connections: needs ${wait.needed} of the controller's ${wait.capacity} (--probe-budget-connections), ${queue}; nothing written yet`;
}
