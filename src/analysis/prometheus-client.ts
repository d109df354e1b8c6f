import type { Clock } from '../util/clock.js';
import { PrometheusError } from './prometheus-error.js';
import type { InstantResult} from './prometheus-response.js';
import { parseInstantResponse } from './prometheus-response.js';

export interface PrometheusClientOptions {
  /** Prometheus's base URL (`http://prometheus.istio-system:9090`); a path prefix is kept. */
  readonly address: string;
  /** Sent with every request (e.g. `Authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Give up on a query after this long (also sent to Prometheus as its `timeout`); default 10 s. */
  readonly timeoutMs?: number;
  readonly clock: Clock;
}

export interface QueryOptions {
  /** Evaluation time, epoch milliseconds; Prometheus's current time when absent. */
  readonly at?: number;
  readonly signal?: AbortSignal;
}

/** One number, or why there is none: no series matched, or the value is NaN (e.g. 0/0). */
export type QueryValue =
  | { readonly kind: 'value'; readonly value: number; readonly labels: Readonly<Record<string, string>> }
  | { readonly kind: 'no-data'; readonly reason: string };

export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

/**
 * A PromQL instant-query client over Prometheus's HTTP API (`POST /api/v1/query`, form-encoded as
 * prometheus/web/api/v1/api.go `query` accepts, so long queries fit). Every failure is a
 * PrometheusError whose kind says whose fault it is; the timeout runs on the injected Clock.
 */
export class PrometheusClient {
  private readonly queryUrl: URL;
  private readonly timeoutMs: number;

  constructor(private readonly options: PrometheusClientOptions) {
    this.queryUrl = queryEndpoint(options.address);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  }

  /** The instant vector (or scalar) the query evaluates to. */
  async query(promql: string, options: QueryOptions = {}): Promise<InstantResult> {
    const form = new URLSearchParams({ query: promql, timeout: `${this.timeoutMs}ms` });
    if (options.at !== undefined) form.set('time', (options.at / 1000).toFixed(3));
    const { status, body } = await this.post(form, options.signal);
    return parseInstantResponse(status, body);
  }

  /**
   * The query's single value. No series, or NaN (Flagger's prometheus provider treats NaN as "no
   * values found" too: pkg/metrics/providers/prometheus.go `RunQuery`), is `no-data`; several
   * series is an `execution` error asking for an aggregation.
   */
  async queryValue(promql: string, options: QueryOptions = {}): Promise<QueryValue> {
    const { samples } = await this.query(promql, options);
    if (samples.length === 0) return { kind: 'no-data', reason: 'no series matched' };
    if (samples.length > 1) {
      throw new PrometheusError('execution', `the query returns ${samples.length} series, one value is needed: aggregate it (sum, max, ...)`);
    }
    const [only] = samples;
    if (only === undefined || Number.isNaN(only.value)) return { kind: 'no-data', reason: 'the value is NaN' };
    return { kind: 'value', value: only.value, labels: only.labels };
  }

  private async post(form: URLSearchParams, signal: AbortSignal | undefined): Promise<{ status: number; body: unknown }> {
    const deadline = new AbortController();
    const timer = this.options.clock.setTimer(() => deadline.abort(), this.timeoutMs);
    const combined = signal === undefined ? deadline.signal : AbortSignal.any([signal, deadline.signal]);
    try {
      const response = await fetch(this.queryUrl, {
        method: 'POST',
        headers: { ...this.options.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: combined,
      });
      return { status: response.status, body: parseBody(response.status, await response.text()) };
    } catch (err) {
      if (err instanceof PrometheusError) throw err;
      if (deadline.signal.aborted) throw new PrometheusError('timeout', `Prometheus at ${this.options.address} did not answer within ${this.timeoutMs} ms`);
      if (signal?.aborted) throw err;
      throw new PrometheusError('unavailable', `Prometheus at ${this.options.address}: ${causeText(err)}`);
    } finally {
      timer.cancel();
    }
  }
}

function queryEndpoint(address: string): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(`Prometheus address ${JSON.stringify(address)} is not a URL (e.g. http://prometheus:9090)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Prometheus address ${JSON.stringify(address)} must be http:// or https://`);
  }
  return new URL(`${url.pathname.replace(/\/+$/, '')}/api/v1/query`, url);
}

function parseBody(status: number, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PrometheusError('unavailable', `HTTP ${status} with a body that is not JSON: ${text.slice(0, 120)}`);
  }
}

/** fetch() rejects with "fetch failed"; the reason (ECONNREFUSED, ...) is in its cause. */
function causeText(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
