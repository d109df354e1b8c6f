// Public API of the analysis layer (src/analysis): Prometheus queries for the shift and the controller.
export { PrometheusClient, DEFAULT_QUERY_TIMEOUT_MS } from './prometheus-client.js';
export type { PrometheusClientOptions, QueryOptions, QueryValue } from './prometheus-client.js';
export { PrometheusError } from './prometheus-error.js';
export type { PrometheusErrorKind } from './prometheus-error.js';
export type { InstantResult, Sample } from './prometheus-response.js';
// Metric checks (issue 16 part B): templates, thresholds, the step's verdict, the evaluator.
export { templateQuery, FAILURE_RESPONSE_FLAGS } from './templates.js';
export type { TemplateProvider } from './templates.js';
export { renderQuery, promqlDuration } from './query-text.js';
export type { QueryVariables } from './query-text.js';
export { verdictOf, describeRange, describeValue } from './threshold.js';
export type { MetricVerdict, ThresholdRange } from './threshold.js';
export { assessMetrics } from './assess-metrics.js';
export type { MetricCheck, MetricBreach, MetricsAssessment } from './assess-metrics.js';
export { MetricEvaluator } from './metric-evaluator.js';
export type { MetricValueSource, RunnableCheck } from './metric-evaluator.js';
export type { MetricEvaluation, MetricResult, MetricsObservation } from './metric-evaluations.js';
