/**
 * The metric checks (spec.analysis.metrics) as a separate input to a step's verdict, beside the
 * probes' policy: what src/analysis's pure assessment says about the current step's evaluations,
 * as engine breaches, the checks the step still waits for, and the report's per-metric results.
 */
import { assessMetrics, type MetricResult, type MetricsObservation } from '../analysis/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { Breach } from './policy.js';
import type { ShiftState } from './state.js';

export interface MetricVerdict {
  breaches: Breach[];
  /** Why the step cannot pass yet (a check not evaluated, or waiting for data). */
  awaiting: string[];
  /** Undefined when the spec has no metric checks (the report then has no `metrics`). */
  results: MetricResult[] | undefined;
}

const NONE: MetricVerdict = { breaches: [], awaiting: [], results: undefined };

/** The verdict of the step in progress from what the evaluator saw in it (`observation` of another step counts as nothing). */
export function metricVerdict(spec: ResolvedSpec, state: ShiftState, observation: MetricsObservation | undefined): MetricVerdict {
  const checks = spec.analysis.metrics;
  if (checks.length === 0) return NONE;
  const current = observation?.stepIndex === state.stepIndex ? observation : undefined;
  const assessed = assessMetrics(checks, current, state.bakeUntil ?? Number.POSITIVE_INFINITY);
  return {
    breaches: assessed.breaches.map((b) => ({ kind: 'metric', at: b.at, message: b.message })),
    awaiting: assessed.awaiting,
    results: assessed.results,
  };
}
