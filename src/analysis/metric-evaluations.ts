import type { MetricVerdict } from './threshold.js';

/** One evaluation of one metric check. */
export interface MetricEvaluation {
  name: string;
  /** Epoch ms of the evaluation. */
  at: number;
  value: number | null;
  verdict: MetricVerdict;
  /** Why there is no value (no series, NaN, Prometheus did not answer). */
  detail?: string;
}

/** What the metric checks saw in one step: every evaluation since the step's weight was in place, oldest first. */
export interface MetricsObservation {
  stepIndex: number;
  /** When evaluation began (the step's weight in place). */
  since: number;
  evaluations: MetricEvaluation[];
}

/** A step's metric as the report, the status and the live view show it (issue 16's shape). */
export interface MetricResult {
  name: string;
  /** The last evaluation's value; null when it had none. */
  value: number | null;
  min?: number;
  max?: number;
  verdict: MetricVerdict;
}
