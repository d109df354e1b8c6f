import { describeRange, describeValue, type MetricResult, type MetricsObservation } from '../analysis/index.js';
import { metricVerdict, type ShiftState } from '../shift/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';

/** One metric as the live view shows it: `failures 0.02 [-, 0.05] ok`. */
const metricText = (m: MetricResult): string => `${m.name} ${m.value === null ? '-' : describeValue(m.value)} ${describeRange(m)} ${m.verdict}`;

/** The live view's compact metrics line (the current step's last value, range and verdict per check); undefined without checks. */
export function metricsLine(spec: ResolvedSpec, state: ShiftState, metrics: MetricsObservation | undefined): string | undefined {
  const results = metricVerdict(spec, state, metrics).results;
  return results && `metrics ${results.map(metricText).join(' | ')}`;
}
