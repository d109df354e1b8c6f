/**
 * The shift report in process (DESIGN section 3): every timestamp is epoch milliseconds, steps
 * are 0-based. report.json is its document form (./document.ts: apiVersion/kind, ISO 8601,
 * steps numbered from 1).
 * The probe blocks are the prober's own types (src/probe/report-blocks.ts). Fields beyond the
 * DESIGN list are additive: `namespace`, `target`, `originalWeights`, `schedule`, `warnings` and `markers` at the top,
 * `reconnectWave`, `drainWindow` and `notes` per step.
 */
import type { MetricResult } from '../analysis/index.js';
import type { LongLivedBlock, NewConnectionsBlock } from '../probe/index.js';

/** DESIGN's four outcomes, plus `paused` (stopped on request with the weights left for `resume`). */
export type ShiftOutcome = 'promoted' | 'rolled-back' | 'aborted' | 'failed' | 'paused';
export const SHIFT_OUTCOMES: readonly ShiftOutcome[] = ['promoted', 'rolled-back', 'aborted', 'failed', 'paused'];

export interface WeightPair {
  stable: number;
  canary: number;
}

/** `interrupted`: the step was cut short before it could pass (an abort, rollback or pause request mid-bake, or the route's weights changed by someone else). */
export type StepVerdict = 'ok' | 'breach' | 'interrupted';

export interface StepReport {
  /** Index in schedule.steps (0-based). */
  index: number;
  /** Canary weight of the step, in percent. */
  targetWeight: number;
  /** When the step's weight was acknowledged by the API (or its probing began, after a resume). */
  startedAt: number;
  endedAt: number;
  verdict: StepVerdict;
  /** Why the step is a breach or was interrupted (empty when ok). */
  reasons: string[];
  newConnections: NewConnectionsBlock;
  longLived: LongLivedBlock;
  /** Long-lived connections the gateway's drain cut because of this step's weight change. */
  reconnectWave: number;
  /** Where this step's drain close is expected: [from, to] epoch ms; null when this run did not change the weight. */
  drainWindow: [number, number] | null;
  /** Informative remarks (split undecided, probes re-established after a resume, ...). */
  notes: string[];
  /** The spec's metric checks (spec.analysis.metrics): each one's last value and verdict in the step; absent without checks. */
  metrics?: MetricResult[];
  /** A multi-port shift (istio target.matchPorts): each match port's own counters; the blocks above merge them. */
  ports?: StepPortReport[];
}

/** One match port's probes in a step: its new connections and its long-lived counters (the connections are in the step's merged list, tagged with `port`). */
export interface StepPortReport {
  matchPort: number;
  /** The probe address of that port (HOST:PORT). */
  address: string;
  newConnections: NewConnectionsBlock;
  longLived: Omit<LongLivedBlock, 'connections'>;
}

export interface RollbackReport {
  reason: string;
  /** What caused it: a probe breach, an operator (abort, rollback, Ctrl-C) or an error writing a step. */
  cause: 'breach' | 'operator' | 'error';
  /** When the breach (or the request) was seen. */
  detectedAt: number;
  /** When the API acknowledged canary weight 0; null if it could not be written. */
  restoredAt: number | null;
  detectionToRestoreMs: number | null;
}

/** Something that happened to the shift from outside (the demo switching its fault on), drawn on the timeline at its time. */
export interface ReportMarker {
  kind: 'fault';
  at: number;
  /** What happened, e.g. `fault reset on the v2 pods`. */
  text: string;
}

export interface ShiftReport {
  name: string;
  namespace: string;
  /** What was shifted, e.g. `VirtualService echo/echo`. */
  target: string;
  outcome: ShiftOutcome;
  startedAt: number;
  endedAt: number;
  finalWeights: WeightPair;
  /** Weights of the route before the shift's first write; null when it wrote none. */
  originalWeights: WeightPair | null;
  schedule: { steps: number[]; bakeMs: number };
  steps: StepReport[];
  rollback?: RollbackReport;
  /** Why the shift ended as it did or stopped where it is (paused, failed, a refusal, an API that did not answer). */
  reason?: string;
  /** Planning warnings (drain-aware) and notes on the run as a whole. */
  warnings: string[];
  /** Outside events at their times (absent when there were none). */
  markers?: ReportMarker[];
}
