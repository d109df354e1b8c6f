/**
 * Fault injection for tests: failed requests (500, 429 with Retry-After, 503, ...) at a rate or
 * for the next N requests, added latency, and watch streams cut now or after N more events.
 * Discovery, /version and OpenAPI are never failed (clients would not get far enough to retry
 * the calls under test); `match` narrows faults to verbs and resources.
 */
export interface FaultMatch {
  /** get, list, watch, create, update, patch, delete, deletecollection */
  verbs?: string[];
  /** Plural resource names, e.g. virtualservices, leases. */
  resources?: string[];
}

interface ErrorRule {
  status: number;
  rate: number;
  remaining: number | undefined;
  match: FaultMatch | undefined;
}

export interface WatchCutter {
  /** Cut every open watch stream now. */
  cutAll(): number;
  /** Cut each open (and later) watch stream after it delivers `events` more events. */
  cutAfter(events: number | undefined): void;
}

export class Faults {
  private rules: ErrorRule[] = [];
  private latency = 0;
  /** Errors injected so far. */
  injected = 0;

  constructor(
    private readonly watches: WatchCutter,
    private readonly random: () => number = Math.random,
  ) {}

  /** Fail a share (0..1) of matching requests with `status` (500 by default) until reset. */
  setErrorRate(rate: number, status = 500, match?: FaultMatch): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`error rate must be between 0 and 1, got ${rate}`);
    this.rules.push({ status, rate, remaining: undefined, match });
  }

  /** Fail exactly the next `count` matching requests with `status`. */
  failNext(count: number, status = 500, match?: FaultMatch): void {
    this.rules.push({ status, rate: 1, remaining: count, match });
  }

  /** Delay every resource request by `ms` before it is handled. */
  setLatency(ms: number): void {
    this.latency = Math.max(0, ms);
  }

  latencyMs(): number {
    return this.latency;
  }

  cutWatches(): number {
    return this.watches.cutAll();
  }

  cutWatchesAfter(events: number): void {
    this.watches.cutAfter(events);
  }

  reset(): void {
    this.rules = [];
    this.latency = 0;
    this.watches.cutAfter(undefined);
  }

  /** The status to fail this request with, if a rule fires. */
  decide(verb: string, resource: string): number | undefined {
    for (const rule of this.rules) {
      if (rule.match?.verbs && !rule.match.verbs.includes(verb)) continue;
      if (rule.match?.resources && !rule.match.resources.includes(resource)) continue;
      if (rule.remaining !== undefined && rule.remaining <= 0) continue;
      if (this.random() >= rule.rate) continue;
      if (rule.remaining !== undefined) rule.remaining--;
      this.injected++;
      return rule.status;
    }
    return undefined;
  }
}
