/**
 * The probe blocks of the shift report (DESIGN section 3) and of `tcpshift probe -o json`.
 * src/report and src/shift reuse these types. Every timestamp is epoch milliseconds.
 */
import type { SplitDecision } from './stats/sprt.js';
import type { Summary } from './stats/quantiles.js';

/** How a long-lived probe connection ended. */
export type EndKind = 'drained' | 'closed' | 'reset' | 'timeout' | 'corrupt' | 'refused';
export const END_KINDS: readonly EndKind[] = ['drained', 'closed', 'reset', 'timeout', 'corrupt', 'refused'];

/** Why a new-connection sample failed. `unidentified`: echoed fine, but no version could be read. */
export type NewConnectionFailureKind = 'refused' | 'timeout' | 'reset' | 'closed' | 'corrupt' | 'unidentified';
export const NEW_CONNECTION_FAILURE_KINDS: readonly NewConnectionFailureKind[] = ['refused', 'timeout', 'reset', 'closed', 'corrupt', 'unidentified'];

export interface LongLivedConnectionRecord {
  id: number;
  /** Version that served it; null when it ended before identifying (refused, say). */
  version: string | null;
  /** When the connection attempt started. */
  openedAt: number;
  /** null while still open. */
  endedAt: number | null;
  /** null while still open. */
  end: EndKind | null;
  /** timeout ends: ms from the last sign of life (last echo) to detection. */
  detectionMs?: number;
  /** Error code or reason, when there is one (ECONNRESET, "bad echo ..."); never the peer's bytes. */
  detail?: string;
  /** A multi-port shift (istio target.matchPorts): the match port whose probes opened it. */
  port?: number;
  /** A corrupt end's offending line as a short, escaped, marked excerpt (src/probe/peer-text.ts); dropped from stored state and status. */
  peerExcerpt?: string;
}

export interface LongLivedBlock {
  /** Connections open (identified and heart-beaten) when the block was taken. */
  open: number;
  /** Heartbeats echoed in the block's period. */
  heartbeats: number;
  ends: Record<EndKind, number>;
  /** Largest detectionMs of the period's timeout ends; null when no silent death was seen. */
  maxDetectionMs: number | null;
  /** Connections open at some time in the period: those that ended in it and those still open. */
  connections: LongLivedConnectionRecord[];
}

export interface SplitVerdict {
  targetShare: number;
  tolerance: number;
  confidence: number;
  decision: SplitDecision;
  /** Identified samples the test used (it stops as soon as it decides). */
  samples: number;
}

export interface NewConnectionsBlock {
  attempted: number;
  succeeded: number;
  failed: number;
  /** Successful samples per identified version (`v1`, `v2`; the prefix itself in prefix mode). */
  byVersion: Record<string, number>;
  /** The version counted as canary in observedCanaryShare and interval. */
  canaryVersion: string;
  /** canary / succeeded; null when nothing succeeded. */
  observedCanaryShare: number | null;
  /** Wilson score interval of the canary share at the configured confidence. */
  interval: [number, number];
  connectMs: Summary;
  /** From connect to the first byte the server sent (banner or echo). */
  ttfbMs: Summary;
  failuresByKind: Record<NewConnectionFailureKind, number>;
  /** Present when a target share was given: the sequential test's outcome. */
  split?: SplitVerdict;
}
