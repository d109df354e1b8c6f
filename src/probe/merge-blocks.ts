/**
 * The blocks of several match ports' probes merged into one (a multi-port shift, istio
 * target.matchPorts): counts are summed, the canary share and its Wilson interval recomputed
 * from the summed counts, latency summaries are the slowest port's (percentiles of separate
 * samples cannot be merged exactly), the split verdict is the worst port's. Long-lived records
 * are tagged with their match port. Pure.
 */
import type { LongLivedBlock, NewConnectionsBlock, SplitVerdict } from './report-blocks.js';
import { END_KINDS } from './report-blocks.js';
import type { Summary } from './stats/quantiles.js';
import { wilsonInterval } from './stats/wilson.js';

export interface PortBlock<T> {
  matchPort: number;
  block: T;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

function maxOrNull(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.max(...present);
}

function sumRecords<K extends string>(records: ReadonlyArray<Record<K, number>>): Record<K, number> {
  const total = {} as Record<K, number>;
  for (const record of records) for (const [key, value] of Object.entries(record) as Array<[K, number]>) total[key] = (total[key] ?? 0) + value;
  return total;
}

export function mergeLongLived(ports: ReadonlyArray<PortBlock<LongLivedBlock>>): LongLivedBlock {
  const blocks = ports.map((p) => p.block);
  return {
    open: sum(blocks.map((b) => b.open)),
    heartbeats: sum(blocks.map((b) => b.heartbeats)),
    ends: Object.fromEntries(END_KINDS.map((k) => [k, sum(blocks.map((b) => b.ends[k]))])) as LongLivedBlock['ends'],
    maxDetectionMs: maxOrNull(blocks.map((b) => b.maxDetectionMs)),
    connections: ports.flatMap((p) => p.block.connections.map((c) => ({ ...c, port: p.matchPort }))),
  };
}

const slowest = (summaries: readonly Summary[]): Summary => ({ p50: maxOrNull(summaries.map((s) => s.p50)), p99: maxOrNull(summaries.map((s) => s.p99)) });

const DECISION_ORDER: ReadonlyArray<SplitVerdict['decision']> = ['inconsistent', 'undecided', 'consistent'];

function worstSplit(verdicts: readonly SplitVerdict[]): SplitVerdict | undefined {
  const first = verdicts[0];
  if (!first) return undefined;
  const decision = DECISION_ORDER.find((d) => verdicts.some((v) => v.decision === d)) ?? first.decision;
  return { ...first, decision, samples: sum(verdicts.map((v) => v.samples)) };
}

/** Merged new-connection blocks; `confidence` is the split confidence of the interval. */
export function mergeNewConnections(blocks: readonly NewConnectionsBlock[], confidence: number): NewConnectionsBlock | undefined {
  const first = blocks[0];
  if (!first) return undefined;
  const succeeded = sum(blocks.map((b) => b.succeeded));
  const byVersion = sumRecords(blocks.map((b) => b.byVersion));
  const canary = byVersion[first.canaryVersion] ?? 0;
  const split = worstSplit(blocks.flatMap((b) => (b.split ? [b.split] : [])));
  return {
    attempted: sum(blocks.map((b) => b.attempted)),
    succeeded,
    failed: sum(blocks.map((b) => b.failed)),
    byVersion,
    canaryVersion: first.canaryVersion,
    observedCanaryShare: succeeded === 0 ? null : canary / succeeded,
    interval: succeeded === 0 ? [0, 1] : wilsonInterval(canary, succeeded, confidence),
    connectMs: slowest(blocks.map((b) => b.connectMs)),
    ttfbMs: slowest(blocks.map((b) => b.ttfbMs)),
    failuresByKind: sumRecords(blocks.map((b) => b.failuresByKind)),
    ...(split ? { split } : {}),
  };
}
