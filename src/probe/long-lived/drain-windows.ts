import type { EndKind } from '../report-blocks.js';
import type { SessionFailureKind } from '../echo-session.js';

/** A weight change the caller made: the gateway may close older connections within the window. */
export interface WeightChange {
  atEpochMs: number;
  drainWindowMs: number;
}

/**
 * Tells a drain from breakage. A connection the peer closed (FIN) or reset is `drained` when
 * it was opened before an announced weight change and ended within that change's drain window
 * [at, at + window]: the gateway replaced the filter chain and closed it, as Envoy does for raw
 * TCP. Every other end keeps its kind; a silent death (timeout) or corruption is never a drain.
 */
export function classifyEnd(
  kind: SessionFailureKind,
  openedAt: number,
  endedAt: number,
  changes: readonly WeightChange[],
): EndKind {
  if (kind !== 'closed' && kind !== 'reset') return kind;
  const drained = changes.some(
    (c) => openedAt <= c.atEpochMs && endedAt >= c.atEpochMs && endedAt <= c.atEpochMs + c.drainWindowMs,
  );
  return drained ? 'drained' : kind;
}
