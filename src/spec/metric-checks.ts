import { z } from 'zod';
import { durationString, MAX_PROBE_DURATION_MS } from './duration-field.js';
import { dns1123Label } from './names.js';
import { integerIn } from './numbers.js';
import { strictObject } from './strict-object.js';
import { uniqueNames } from './unique-names.js';
import { exactlyOneSource, valueFromSchema } from './value-from.js';

/**
 * `spec.analysis.prometheus` and `spec.analysis.metrics[]` (issue 16): checks judged from the
 * mesh's own telemetry in Prometheus, besides the probes. The PromQL of the built-in templates is
 * in src/analysis/templates.ts; the names and the placeholders a query may use are here, since
 * the spec is where an unknown one is refused (exit 2 naming the field).
 */
export const METRIC_TEMPLATES = ['tcp-connection-failure-rate', 'tcp-connections-opened', 'tcp-bytes-ratio'] as const;
export type MetricTemplate = (typeof METRIC_TEMPLATES)[number];

/** What `{{ name }}` in a query may name: the shift's namespace, Service name, stable and canary versions, the interval. */
export const QUERY_PLACEHOLDERS = ['namespace', 'service', 'stable', 'canary', 'interval'] as const;
export type QueryPlaceholder = (typeof QUERY_PLACEHOLDERS)[number];

/** `{{ name }}` with optional blanks inside the braces. */
export const PLACEHOLDER_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

export const ON_NO_DATA = ['fail', 'ignore', 'wait'] as const;
export type OnNoData = (typeof ON_NO_DATA)[number];

/** The problem with a text's placeholders (a metric query's by default), or undefined. */
export function placeholderProblem(query: string, allowed: readonly string[] = QUERY_PLACEHOLDERS): string | undefined {
  for (const match of query.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1] ?? '';
    if (!allowed.includes(name)) {
      return `unknown placeholder {{ ${name} }} (allowed: ${allowed.map((p) => `{{ ${p} }}`).join(', ')})`;
    }
  }
  const rest = query.replace(PLACEHOLDER_PATTERN, '');
  if (rest.includes('{{') || rest.includes('}}')) return "has an unclosed '{{' or a stray '}}': placeholders are written {{ name }}";
  return undefined;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const header = strictObject({
  name: z.string().max(256).regex(HEADER_NAME, { error: 'must be an HTTP header name (e.g. Authorization)' }),
  value: z.string().max(8192).optional().describe('Sent as written and stored with the spec (status, route annotations): not for secrets.'),
  valueFrom: valueFromSchema
    .optional()
    .describe("A secret's place in the process that evaluates the checks (the CLI, or the controller's pod): never stored, logged or reported."),
}, 'an object').superRefine(exactlyOneSource('value', 'valueFrom'));

export const prometheusSchema = strictObject({
  address: z
    .string({ error: 'must be an http:// or https:// URL' })
    .max(2048)
    .regex(/^https?:\/\/[^\s]+$/, { error: 'must be an http:// or https:// URL, e.g. http://prometheus.istio-system:9090' })
    .describe("Prometheus's base URL (queries go to /api/v1/query)."),
  headers: z.array(header).max(16).optional().describe('HTTP headers sent with every query (tokens: valueFrom).'),
}, 'an object');

const thresholdRange = strictObject({ min: z.number({ error: 'must be a number' }).optional(), max: z.number({ error: 'must be a number' }).optional() }, 'an object').superRefine(
  (range, ctx) => {
    if (range.min === undefined && range.max === undefined) ctx.addIssue({ code: 'custom', message: 'must give min, max or both' });
    else if (range.min !== undefined && range.max !== undefined && range.min > range.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `must not exceed max (${range.max})` });
  },
);

const metricCheck = strictObject({
  name: dns1123Label.describe('Names the check in the report, status and Events.'),
  template: z.enum(METRIC_TEMPLATES, { error: `must be one of: ${METRIC_TEMPLATES.join(', ')}` }).optional().describe('A built-in query (README "Analysis from mesh telemetry").'),
  query: z
    .string({ error: 'must be a PromQL expression' })
    .min(1)
    .max(8192)
    .superRefine((query, ctx) => {
      const problem = placeholderProblem(query);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe('PromQL returning one number; may use {{ namespace }}, {{ service }}, {{ stable }}, {{ canary }}, {{ interval }}.'),
  thresholdRange: thresholdRange.describe('The value passes when min <= value <= max.'),
  interval: durationString(1000, MAX_PROBE_DURATION_MS).default('30s').describe('How often the check is evaluated during the bake; also {{ interval }}.'),
  failureLimit: integerIn(1, 1000).default(1).describe('The step breaches at this many failed evaluations (1: the first).'),
  onNoData: z
    .enum(ON_NO_DATA, { error: `must be one of: ${ON_NO_DATA.join(', ')} (no default: say what no data means)` })
    .describe('No series or NaN: fail (a failed evaluation), ignore (neither passes nor fails), wait (holds the step until data comes; after the bake each empty evaluation fails).'),
}, 'an object').superRefine((check, ctx) => {
  if ((check.template === undefined) === (check.query === undefined)) ctx.addIssue({ code: 'custom', path: ['template'], message: 'give exactly one of template, query' });
});

export const metricChecksSchema = z
  .array(metricCheck, { error: 'must be a list of metric checks' })
  .max(16, { error: 'must list at most 16 metric checks' })
  .superRefine(uniqueNames('metrics'));

export type MetricCheckSpec = z.output<typeof metricCheck>;
export type PrometheusSpec = z.output<typeof prometheusSchema>;
