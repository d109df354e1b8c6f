import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { parseDuration } from '../util/duration.js';
import { packagePath } from '../util/package-root.js';
import { formatPath, type PathSegment, type SpecIssue } from './issues.js';
import { isPlainObject } from './strict-object.js';

/**
 * Validate objects against a CRD's openAPIV3Schema with Ajv, close to what the API server does:
 * - Ajv runs with `strict: false`, so Kubernetes keywords (`x-kubernetes-*`) that it does not know
 *   are ignored; of the CEL rules (`x-kubernetes-validations`) only Istio's duration rule
 *   `duration(self) >= duration('<d>')` is evaluated, every other rule is ignored;
 * - formats (int32, date-time, ...) are not checked; OpenAPI v3.0 boolean exclusive bounds are
 *   converted to JSON Schema's numeric ones;
 * - a field the schema does not declare is reported as unknown (the API server would prune it
 *   silently), unless the node preserves unknown fields.
 */
type Schema = Record<string, unknown>;

const DURATION_RULE = /^duration\(self\)\s*>=\s*duration\('([^']+)'\)$/;

/** OpenAPI v3.0 `exclusiveMinimum: true` + `minimum: n` -> JSON Schema `exclusiveMinimum: n` (and max). */
function convertExclusiveBounds(out: Schema): void {
  for (const [exclusive, inclusive] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[exclusive] !== 'boolean') continue;
    if (out[exclusive] === true) out[exclusive] = out[inclusive];
    else delete out[exclusive];
    if (out[exclusive] !== undefined) delete out[inclusive];
  }
}

const SCHEMA_LISTS = ['oneOf', 'anyOf', 'allOf'];
const SCHEMA_VALUES = ['not', 'items', 'additionalProperties'];

/** The openAPIV3Schema as Ajv's JSON Schema: exclusive bounds converted, undeclared fields refused. */
function toAjvSchema(node: Schema): Schema {
  const out: Schema = { ...node };
  convertExclusiveBounds(out);
  if (isPlainObject(out.properties)) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, toAjvSchema(v as Schema)]));
    if (out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  }
  for (const key of SCHEMA_VALUES) if (isPlainObject(out[key])) out[key] = toAjvSchema(out[key]);
  for (const key of SCHEMA_LISTS) if (Array.isArray(out[key])) out[key] = (out[key] as Schema[]).map(toAjvSchema);
  return out;
}

function celDurationRulesHold(rules: unknown, data: unknown): boolean {
  if (!Array.isArray(rules) || typeof data !== 'string') return true;
  return rules.every((rule) => {
    const match = isPlainObject(rule) && typeof rule.rule === 'string' ? DURATION_RULE.exec(rule.rule) : null;
    if (!match) return true;
    const value = parseDuration(data);
    const min = parseDuration(match[1] ?? '');
    return value !== undefined && min !== undefined && value >= min;
  });
}

function issueOf(error: ErrorObject): SpecIssue {
  const segments: PathSegment[] = error.instancePath
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((t) => (/^\d+$/.test(t) ? Number(t) : t));
  if (error.keyword === 'additionalProperties') {
    const field = String((error.params as { additionalProperty: string }).additionalProperty);
    return { path: formatPath([...segments, field]), message: 'unknown field (not in the schema: the API server would drop it)' };
  }
  if (error.keyword === 'x-kubernetes-validations') return { path: formatPath(segments), message: 'must be a valid duration of at least 1ms (CEL rule)' };
  return { path: formatPath(segments), message: error.message ?? error.keyword };
}

export type CrdObjectValidator = (object: unknown) => SpecIssue[];

/** Every object has apiVersion, kind and metadata, declared in its CRD or not. */
const IMPLICIT_ROOT_FIELDS = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };

/** A validator for objects of the given openAPIV3Schema. */
export function openApiValidator(openApiSchema: Schema): CrdObjectValidator {
  const root = { ...openApiSchema, properties: { ...IMPLICIT_ROOT_FIELDS, ...(openApiSchema.properties as Schema | undefined) } };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
  ajv.addKeyword({ keyword: 'x-kubernetes-validations', schemaType: 'array', validate: celDurationRulesHold, errors: false });
  const validate = ajv.compile(toAjvSchema(root));
  return (object) => (validate(object) ? [] : (validate.errors ?? []).map(issueOf));
}

/** The CustomResourceDefinition documents of a YAML text. */
export function parseCrds(text: string): Schema[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Schema => isPlainObject(d) && d.kind === 'CustomResourceDefinition');
}

/** The openAPIV3Schema of `kind` at `version` among CRDs. */
export function openApiSchemaOf(crds: readonly Schema[], kind: string, version: string): Schema {
  for (const crd of crds) {
    const spec = crd.spec as { names?: { kind?: string }; versions?: Array<{ name: string; schema?: { openAPIV3Schema?: Schema } }> };
    if (spec.names?.kind !== kind) continue;
    const schema = spec.versions?.find((v) => v.name === version)?.schema?.openAPIV3Schema;
    if (schema) return schema;
  }
  throw new Error(`no CRD schema for ${kind} ${version}`);
}

/** Validator for `kind`/`version` from a schema file shipped in schemas/ (e.g. istio-crds.yaml). */
export function shippedCrdValidator(file: string, kind: string, version: string): CrdObjectValidator {
  const crds = parseCrds(readFileSync(packagePath('schemas', file), 'utf8'));
  return openApiValidator(openApiSchemaOf(crds, kind, version));
}
