/**
 * A running shift's probe counters as the totals a person reads in `status`, `status -w` and
 * `get -o wide`: one block for a CLI shift (from the counters its process publishes on the route,
 * probe-annotation.ts) and a TCPShift (`status.probes`, written by the controller at most every
 * --status-interval). Totals only: long-lived connections wanted/open, heartbeats echoed, ends by
 * kind since the probes started, and the current step's new connections so far.
 */
import { END_KINDS, type EndKind } from '../probe/index.js';
import type { ProbeCounters } from './prober.js';

export interface ProbeTotals {
  /** When the counters were taken (ISO 8601). */
  at: string;
  /** The step they belong to, counted from 1 (0 before the first step). */
  step: number;
  longLived: { wanted: number; open: number; heartbeats: number; ends: Record<EndKind, number> };
  /** The current step's new connections so far (observedCanaryShare absent while none was identified; no nulls, which a CRD status would prune); absent before its sampling began. */
  newConnections?: { attempted: number; succeeded: number; failed: number; observedCanaryShare?: number; interval: [number, number]; split?: string };
}

export function probeTotals(counters: ProbeCounters, stepIndex: number, now: number): ProbeTotals {
  const n = counters.newConnections;
  return {
    at: new Date(now).toISOString(),
    step: stepIndex + 1,
    longLived: { wanted: counters.longLivedWanted, open: counters.longLivedOpen, heartbeats: counters.heartbeatsEchoed, ends: { ...counters.ends } },
    ...(n
      ? {
          newConnections: {
            attempted: n.attempted,
            succeeded: n.succeeded,
            failed: n.failed,
            ...(n.observedCanaryShare !== null ? { observedCanaryShare: n.observedCanaryShare } : {}),
            interval: n.interval,
            ...(n.split ? { split: n.split.decision } : {}),
          },
        }
      : {}),
  };
}

const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Totals read back (a TCPShift's status.probes); undefined when absent or not this shape (they are informative only). */
export function readProbeTotals(value: unknown): ProbeTotals | undefined {
  const v = value as Partial<ProbeTotals> | null | undefined;
  const ll = v?.longLived;
  if (!v || typeof v.at !== 'string' || !count(v.step) || !ll || !count(ll.wanted) || !count(ll.open) || !count(ll.heartbeats)) return undefined;
  if (typeof ll.ends !== 'object' || !END_KINDS.every((k) => count((ll.ends as Partial<Record<EndKind, unknown>>)[k]))) return undefined;
  const n = v.newConnections;
  if (n !== undefined && (typeof n !== 'object' || !count(n.attempted) || !count(n.failed))) return undefined;
  return v as ProbeTotals;
}

/**
 * The same totals but for when they were taken and the heartbeats echoed (which move every
 * second while connections are healthy): what is worth a status write.
 */
export function sameProbeTotals(a: ProbeTotals | undefined, b: ProbeTotals | undefined): boolean {
  const gist = (t: ProbeTotals | undefined): string => (t ? JSON.stringify([t.step, t.longLived.wanted, t.longLived.open, t.longLived.ends, t.newConnections]) : '');
  return gist(a) === gist(b);
}
