/**
 * The metric half of the pre-flight (issue 16): with spec.analysis.metrics, Prometheus must be
 * named and answer, its headers readable, and every check's query must parse and give at most one
 * series, each asked once before anything is written. A syntax error is Prometheus's own answer
 * (`bad_data` from /api/v1/query), named with the check. No data now is fine: the canary has no
 * traffic yet.
 */
import { PrometheusError, type PrometheusClient } from '../../analysis/index.js';
import type { ResolvedShift } from '../../spec/resolved-shift.js';
import type { Clock } from '../../util/clock.js';
import { checkQuery } from '../metric-queries.js';
import { PrometheusHeaderError, prometheusClientFor } from '../prometheus-access.js';
import { PreflightError } from './preflight-error.js';

function clientOrRefusal(shift: ResolvedShift, object: string, clock: Clock): PrometheusClient {
  if (shift.spec.analysis.prometheus === undefined) {
    throw new PreflightError(object, 'spec.analysis.prometheus.address', 'is required by spec.analysis.metrics', 'name your Prometheus (spec.analysis.prometheus.address, or --prometheus URL on the CLI)', 'PrometheusUnreachable');
  }
  try {
    const client = prometheusClientFor(shift, clock);
    if (!client) throw new Error('no Prometheus client for a shift with metric checks');
    return client;
  } catch (error) {
    if (error instanceof PrometheusHeaderError) throw new PreflightError(object, error.field, error.message.slice(error.field.length + 2), 'set it where the checks run (the CLI, or the controller pod)', 'PrometheusUnreachable');
    throw error;
  }
}

/** Ask each check's query once; throws a PreflightError naming the check or the address. */
export async function checkMetricQueries(shift: ResolvedShift, clock: Clock): Promise<void> {
  const checks = shift.spec.analysis.metrics;
  if (checks.length === 0) return;
  const object = `TCPShift ${shift.namespace}/${shift.name}`;
  const client = clientOrRefusal(shift, object, clock);
  for (const [i, check] of checks.entries()) {
    try {
      await client.queryValue(checkQuery(shift, check));
    } catch (error) {
      if (!(error instanceof PrometheusError)) throw error;
      const field = `spec.analysis.metrics[${i}].${check.template !== undefined ? 'template' : 'query'}`;
      if (error.kind === 'bad-query' || error.kind === 'execution') {
        throw new PreflightError(object, field, `metric ${check.name}: ${error.message}`, 'correct the query (it must give one number: aggregate with sum, max, ...)', 'MetricQueryInvalid');
      }
      throw new PreflightError(object, 'spec.analysis.prometheus.address', `metric ${check.name}: ${error.message}`, 'check the address (--prometheus), and that this process may reach Prometheus (egress NetworkPolicy)', 'PrometheusUnreachable');
    }
  }
}
