/**
 * Why a PromQL query gave no usable answer. `bad-query` is the user's mistake (Prometheus answered
 * `bad_data`: a syntax error, an unknown function): callers report it as invalid input before
 * writing anything. The others are the monitoring system's trouble, worth retrying.
 * - `bad-query`: HTTP 400 / errorType `bad_data`
 * - `execution`: HTTP 422 / errorType `execution` (e.g. too many samples), or a result type the
 *   caller cannot use (a range vector, several series where one value was asked for)
 * - `timeout`: no answer within the client's timeout, or Prometheus's own (HTTP 503, `timeout`)
 * - `unavailable`: connection refused or reset, HTTP 5xx, a body that is not Prometheus's JSON
 */
export type PrometheusErrorKind = 'bad-query' | 'execution' | 'timeout' | 'unavailable';

export class PrometheusError extends Error {
  constructor(
    readonly kind: PrometheusErrorKind,
    message: string,
    /** Prometheus's `errorType` when it sent one (bad_data, execution, timeout, canceled, internal, unavailable). */
    readonly errorType?: string,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}
