/**
 * The verdict of a step's metric checks, pure: from every evaluation since the step's weight was
 * in place, which check breached (and when), which the step must still wait for, and each
 * check's last value for the report.
 *
 * A failed evaluation is a value outside thresholdRange, or no data when `onNoData: fail`, or no
 * data after the bake when `onNoData: wait`. The check breaches at its failureLimit-th failed
 * evaluation. The step cannot pass before every check was evaluated once, nor while a `wait`
 * check's last evaluation had no data (after the bake each such evaluation fails, so the wait
 * ends by failureLimit more intervals at most). `ignore` never fails nor holds on no data.
 */
import type { MetricEvaluation, MetricResult, MetricsObservation } from './metric-evaluations.js';
import { describeRange, describeValue } from './threshold.js';

/** The parts of a metric check the verdict needs (src/spec's ResolvedMetricCheck has them). */
export interface MetricCheck {
  name: string;
  min?: number;
  max?: number;
  intervalMs: number;
  failureLimit: number;
  onNoData: 'fail' | 'ignore' | 'wait';
}

export interface MetricBreach {
  name: string;
  at: number;
  message: string;
}

export interface MetricsAssessment {
  breaches: MetricBreach[];
  /** Why the step cannot pass yet, one line per check still awaited. */
  awaiting: string[];
  results: MetricResult[];
}

function failedEvaluation(check: MetricCheck, evaluation: MetricEvaluation, bakeUntil: number): boolean {
  if (evaluation.verdict === 'failed') return true;
  if (evaluation.verdict !== 'no-data') return false;
  return check.onNoData === 'fail' || (check.onNoData === 'wait' && evaluation.at >= bakeUntil);
}

function breachMessage(check: MetricCheck, crossing: MetricEvaluation, failures: number): string {
  const limit = check.failureLimit > 1 ? ` (${failures} failed evaluations, failureLimit ${check.failureLimit})` : '';
  const range = describeRange(check);
  if (crossing.verdict === 'failed') return `metric ${check.name}: ${describeValue(crossing.value)} outside ${range}${limit}`;
  return `metric ${check.name}: no data${crossing.detail ? ` (${crossing.detail})` : ''}, onNoData: ${check.onNoData}${limit}`;
}

function assessOne(check: MetricCheck, evaluations: MetricEvaluation[], bakeUntil: number): { breach?: MetricBreach; awaiting?: string; result: MetricResult } {
  const bounds = { ...(check.min !== undefined && { min: check.min }), ...(check.max !== undefined && { max: check.max }) };
  const failures = evaluations.filter((e) => failedEvaluation(check, e, bakeUntil));
  const crossing = failures[check.failureLimit - 1];
  const last = evaluations.at(-1);
  const result: MetricResult = { name: check.name, value: last?.value ?? null, ...bounds, verdict: crossing ? 'failed' : (last?.verdict ?? 'no-data') };
  if (crossing) return { breach: { name: check.name, at: crossing.at, message: breachMessage(check, crossing, failures.length) }, result };
  if (!last) return { awaiting: `metric ${check.name}: not evaluated yet (interval ${check.intervalMs} ms)`, result };
  if (last.verdict === 'no-data' && check.onNoData === 'wait') return { awaiting: `metric ${check.name}: waiting for data (onNoData: wait)`, result };
  return { result };
}

/** Assess the checks over what was evaluated in the step (`observation` undefined: nothing yet). */
export function assessMetrics(checks: readonly MetricCheck[], observation: MetricsObservation | undefined, bakeUntil: number): MetricsAssessment {
  const assessment: MetricsAssessment = { breaches: [], awaiting: [], results: [] };
  for (const check of checks) {
    const evaluations = (observation?.evaluations ?? []).filter((e) => e.name === check.name);
    const one = assessOne(check, evaluations, bakeUntil);
    if (one.breach) assessment.breaches.push(one.breach);
    if (one.awaiting) assessment.awaiting.push(one.awaiting);
    assessment.results.push(one.result);
  }
  assessment.breaches.sort((a, b) => a.at - b.at);
  return assessment;
}
