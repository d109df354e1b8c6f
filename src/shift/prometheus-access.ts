/**
 * How a shift reaches Prometheus: the client for spec.analysis.prometheus, with its headers'
 * values taken from where the spec says (inline, an environment variable or a file of the
 * process that evaluates: the CLI, or the controller's pod with a mounted Secret). A header's
 * value never appears in a message, log line, status or report; errors name the field only.
 */
import { MetricEvaluator, PrometheusClient } from '../analysis/index.js';
import type { PrometheusSpec } from '../spec/metric-checks.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import type { Clock } from '../util/clock.js';
import { readValueFrom, ValueFromError } from '../util/read-value-from.js';
import { AnalyzedProber } from './analyzed-prober.js';
import { runnableChecks } from './metric-queries.js';
import type { ShiftProber } from './prober.js';

/** A header value that cannot be read: the field and why, never the value. */
export class PrometheusHeaderError extends Error {
  override readonly name = 'PrometheusHeaderError';
  constructor(readonly field: string, problem: string) {
    super(`${field}: ${problem}`);
  }
}

function headerValue(header: NonNullable<PrometheusSpec['headers']>[number], field: string, env: NodeJS.ProcessEnv): string {
  if (header.value !== undefined) return header.value;
  try {
    return readValueFrom(header.valueFrom ?? {}, env);
  } catch (error) {
    if (error instanceof ValueFromError) throw new PrometheusHeaderError(`${field}.valueFrom.${error.source}`, error.message);
    throw error;
  }
}

/** The headers to send, values resolved; throws PrometheusHeaderError naming the field. */
export function prometheusHeaders(prometheus: PrometheusSpec, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const headers: Record<string, string> = {};
  (prometheus.headers ?? []).forEach((header, i) => {
    headers[header.name] = headerValue(header, `spec.analysis.prometheus.headers[${i}]`, env);
  });
  return headers;
}

/** The client for the shift's Prometheus; undefined when the shift has no metric checks or no address. */
export function prometheusClientFor(shift: ResolvedShift, clock: Clock, env: NodeJS.ProcessEnv = process.env): PrometheusClient | undefined {
  const { prometheus, metrics } = shift.spec.analysis;
  if (metrics.length === 0 || prometheus === undefined) return undefined;
  return new PrometheusClient({ address: prometheus.address, headers: prometheusHeaders(prometheus, env), clock });
}

/** The prober, evaluating the shift's metric checks alongside when it has any. */
export function withMetricChecks(prober: ShiftProber, shift: ResolvedShift, clock: Clock): ShiftProber {
  const client = prometheusClientFor(shift, clock);
  return client ? new AnalyzedProber(prober, new MetricEvaluator(client, clock), runnableChecks(shift)) : prober;
}
