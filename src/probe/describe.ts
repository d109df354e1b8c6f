import { END_KINDS, NEW_CONNECTION_FAILURE_KINDS, type EndKind, type LongLivedBlock, type LongLivedConnectionRecord, type NewConnectionsBlock } from './report-blocks.js';

/** One-line, human-readable summaries of the probe blocks, for live progress and text output. */

const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
const ms = (x: number | null): string => (x === null ? '-' : `${x}ms`);

/** Ends that are breakage: everything but a drain. */
export function breakageEnds(block: LongLivedBlock): number {
  return END_KINDS.filter((k) => k !== 'drained').reduce((sum, k) => sum + block.ends[k], 0);
}

/** "2 timeout, 1 reset" or "none". */
export function describeEnds(ends: Record<EndKind, number>): string {
  const parts = END_KINDS.filter((k) => ends[k] > 0).map((k) => `${ends[k]} ${k}`);
  return parts.length ? parts.join(', ') : 'none';
}

export function describeLongLived(block: LongLivedBlock): string {
  const detection = block.maxDetectionMs === null ? '' : `; silent death detected within ${block.maxDetectionMs}ms`;
  return `long-lived: ${block.open} open, ${block.heartbeats} heartbeats echoed, ends: ${describeEnds(block.ends)}${detection}`;
}

export function describeNewConnections(block: NewConnectionsBlock): string {
  const versions = Object.entries(block.byVersion)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([v, n]) => `${v} ${n}`)
    .join(', ');
  const failures = NEW_CONNECTION_FAILURE_KINDS.filter((k) => block.failuresByKind[k] > 0)
    .map((k) => `${block.failuresByKind[k]} ${k}`)
    .join(', ');
  const share =
    block.observedCanaryShare === null
      ? `canary ${block.canaryVersion} -`
      : `canary ${block.canaryVersion} ${percent(block.observedCanaryShare)} [${percent(block.interval[0])}, ${percent(block.interval[1])}]`;
  const split = block.split ? `; split ${block.split.decision} after ${block.split.samples} (target ${percent(block.split.targetShare)})` : '';
  return (
    `new connections: ${block.attempted} attempted, ${block.succeeded} ok, ${block.failed} failed${failures ? ` (${failures})` : ''}; ` +
    `${versions || 'no version seen'}; ${share}; connect p50 ${ms(block.connectMs.p50)} p99 ${ms(block.connectMs.p99)}; ` +
    `first byte p50 ${ms(block.ttfbMs.p50)} p99 ${ms(block.ttfbMs.p99)}${split}`
  );
}

/** "connection 4 (v1) ended: timeout, no echo of ..." */
export function describeEnd(end: LongLivedConnectionRecord): string {
  const version = end.version ?? 'unidentified';
  const detection = end.detectionMs === undefined ? '' : ` ${end.detectionMs}ms after its last echo`;
  const port = end.port === undefined ? '' : ` on port ${end.port}`;
  return `connection ${end.id} (${version})${port} ended: ${end.end ?? 'open'}${detection}${end.detail ? ` - ${end.detail}` : ''}`;
}
