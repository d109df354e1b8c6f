/**
 * A shift's metric checks made runnable: the template's PromQL (or the spec's query) with the
 * placeholders filled for this shift. `{{ service }}` is the Service of target.host (Istio) or the
 * canary Service (Gateway API); `{{ stable }}`/`{{ canary }}` the subsets (Istio, the pods'
 * `version` label, which istio-proxy reports as destination_version) or the Services (Gateway API).
 */
import { renderQuery, templateQuery, type QueryVariables, type RunnableCheck } from '../analysis/index.js';
import type { ResolvedMetricCheck, ResolvedShift } from '../spec/resolved-shift.js';

/** The placeholder values of a shift, but the interval (each check's own). */
export function queryVariables(shift: ResolvedShift): Omit<QueryVariables, 'intervalMs'> {
  const { spec } = shift;
  if (spec.provider === 'istio') {
    return { namespace: shift.namespace, service: spec.target.host.split('.')[0] ?? spec.target.host, stable: spec.stable.subset, canary: spec.canary.subset };
  }
  return { namespace: shift.namespace, service: spec.canary.service, stable: spec.stable.service, canary: spec.canary.service };
}

/** The check's PromQL as sent to Prometheus. */
export function checkQuery(shift: ResolvedShift, check: ResolvedMetricCheck): string {
  const text = check.template !== undefined ? templateQuery(check.template, shift.spec.provider) : (check.query ?? '');
  return renderQuery(text, { ...queryVariables(shift), intervalMs: check.intervalMs });
}

export function runnableChecks(shift: ResolvedShift): RunnableCheck[] {
  return shift.spec.analysis.metrics.map((check) => ({
    name: check.name,
    promql: checkQuery(shift, check),
    intervalMs: check.intervalMs,
    ...(check.min !== undefined && { min: check.min }),
    ...(check.max !== undefined && { max: check.max }),
  }));
}
