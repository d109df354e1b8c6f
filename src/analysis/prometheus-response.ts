import type { PrometheusErrorKind } from './prometheus-error.js';
import { PrometheusError } from './prometheus-error.js';

/**
 * Prometheus's HTTP API answer to an instant query (`/api/v1/query`), as documented in
 * prometheus/docs/querying/api.md ("Format overview", "Expression query result formats"):
 * `{status: success, data: {resultType, result}, warnings?}` or
 * `{status: error, errorType, error}`. Sample values are strings ("1", "NaN", "+Inf").
 */
export interface Sample {
  /** The series' labels (`metric`), `__name__` included when the query kept it. */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Epoch milliseconds of the evaluation. */
  readonly timestampMs: number;
}

export type InstantResult =
  | { readonly resultType: 'vector'; readonly samples: readonly Sample[]; readonly warnings: readonly string[] }
  | { readonly resultType: 'scalar'; readonly samples: readonly [Sample]; readonly warnings: readonly string[] };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Turns a parsed body (and its HTTP status) into samples, or throws a PrometheusError. */
export function parseInstantResponse(httpStatus: number, body: unknown): InstantResult {
  if (!isObject(body) || (body.status !== 'success' && body.status !== 'error')) {
    throw new PrometheusError('unavailable', `HTTP ${httpStatus}: not a Prometheus API answer`);
  }
  if (body.status === 'error') throw apiError(httpStatus, body);
  const data = isObject(body.data) ? body.data : {};
  const warnings = Array.isArray(body.warnings) ? body.warnings.map(String) : [];
  if (data.resultType === 'vector' && Array.isArray(data.result)) {
    return { resultType: 'vector', samples: data.result.map(vectorSample), warnings };
  }
  if (data.resultType === 'scalar') return { resultType: 'scalar', samples: [sample({}, data.result)], warnings };
  throw new PrometheusError(
    'execution',
    `the query returns a ${String(data.resultType)}, not an instant vector or a scalar (a range selector needs a function such as rate())`,
  );
}

function apiError(httpStatus: number, body: Json): PrometheusError {
  const errorType = typeof body.errorType === 'string' ? body.errorType : undefined;
  const text = typeof body.error === 'string' ? body.error : 'no error text';
  return new PrometheusError(errorKind(httpStatus, errorType), `Prometheus: ${errorType ?? 'error'}: ${text}`, errorType);
}

function errorKind(httpStatus: number, errorType: string | undefined): PrometheusErrorKind {
  if (errorType === 'bad_data' || httpStatus === 400) return 'bad-query';
  if (errorType === 'execution' || httpStatus === 422) return 'execution';
  if (errorType === 'timeout' || errorType === 'canceled') return 'timeout';
  return 'unavailable';
}

function vectorSample(entry: unknown): Sample {
  const labels = isObject(entry) && isObject(entry.metric) ? entry.metric : {};
  return sample(labels, isObject(entry) ? entry.value : undefined);
}

function sample(metric: Json, pair: unknown): Sample {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') {
    throw new PrometheusError('unavailable', 'Prometheus sent a sample that is not [time, "value"]');
  }
  const labels = Object.fromEntries(Object.entries(metric).map(([k, v]) => [k, String(v)]));
  return { labels, value: sampleValue(pair[1]), timestampMs: Math.round(pair[0] * 1000) };
}

/** Prometheus writes values with Go's strconv.FormatFloat: "+Inf", "-Inf" and "NaN" included. */
function sampleValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (Number.isNaN(value) && text !== 'NaN') throw new PrometheusError('unavailable', `Prometheus sent a value that is not a number: ${text}`);
  return value;
}
