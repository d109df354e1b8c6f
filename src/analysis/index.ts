// Public API of the analysis layer (src/analysis): Prometheus queries for the shift and the controller.
export { PrometheusClient, DEFAULT_QUERY_TIMEOUT_MS } from './prometheus-client.js';
export type { PrometheusClientOptions, QueryOptions, QueryValue } from './prometheus-client.js';
export { PrometheusError } from './prometheus-error.js';
export type { PrometheusErrorKind } from './prometheus-error.js';
export type { InstantResult, Sample } from './prometheus-response.js';
