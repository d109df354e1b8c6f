import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldError } from './field-errors.js';
import type { Schema } from './structural-schema.js';
import { isRecord } from './types.js';

/**
 * Validates custom resources against a CRD version's openAPIV3Schema with ajv, and words the
 * failures as the real server's field errors. Understood: the OpenAPI keywords CRDs use
 * (nullable included), `x-kubernetes-int-or-string`, and the numeric/byte/date-time formats.
 * Ignored: `x-kubernetes-validations` (CEL rules are not evaluated) and list-type/map-keys
 * uniqueness.
 */
export type SchemaValidate = (object: unknown) => FieldError[];

const numericFormats: Record<string, (n: number) => boolean> = {
  int32: (n) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647,
  int64: (n) => Number.isInteger(n),
  float: (n) => Number.isFinite(n),
  double: (n) => Number.isFinite(n),
};
const stringFormats: Record<string, RegExp> = {
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i,
};

function collectFormats(schema: unknown, into: Set<string>): void {
  if (Array.isArray(schema)) for (const s of schema) collectFormats(s, into);
  else if (isRecord(schema)) {
    if (typeof schema.format === 'string') into.add(schema.format);
    for (const v of Object.values(schema)) collectFormats(v, into);
  }
}

function newAjv(schema: Schema): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateSchema: false });
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    errors: false,
    validate: (enabled: boolean, data: unknown) => !enabled || typeof data === 'string' || Number.isInteger(data),
  });
  const formats = new Set<string>();
  collectFormats(schema, formats);
  for (const f of formats) {
    const numeric = numericFormats[f];
    const pattern = stringFormats[f];
    if (numeric) ajv.addFormat(f, { type: 'number', validate: numeric });
    else if (pattern) ajv.addFormat(f, { type: 'string', validate: pattern });
    else ajv.addFormat(f, true);
  }
  return ajv;
}

function fieldOf(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const inBody = (field: string, rest: string): string => `${field} in body ${rest}`;

function toFieldError(e: ErrorObject): FieldError | undefined {
  const params = e.params as Record<string, unknown>;
  const field = fieldOf(e.instancePath, e.keyword === 'required' ? String(params.missingProperty) : undefined);
  const data: unknown = e.data;
  const num = (k: string): string => String(params[k] ?? params.limit);
  switch (e.keyword) {
    case 'required':
      return { type: 'FieldValueRequired', field };
    case 'type':
    case 'x-kubernetes-int-or-string': {
      const want = e.keyword === 'type' ? String(params.type) : 'integer,string';
      return { type: 'FieldValueTypeInvalid', field, badValue: jsonType(data), detail: inBody(field, `must be of type ${want}: "${jsonType(data)}"`) };
    }
    case 'enum': {
      const allowed = (Array.isArray(params.allowedValues) ? params.allowedValues : []).map((v) => JSON.stringify(v)).join(', ');
      return { type: 'FieldValueNotSupported', field, badValue: data, detail: `supported values: ${allowed}` };
    }
    case 'minimum':
      return { type: 'FieldValueInvalid', field, badValue: data, detail: inBody(field, `should be greater than or equal to ${num('limit')}`) };
    case 'exclusiveMinimum':
      return { type: 'FieldValueInvalid', field, badValue: data, detail: inBody(field, `should be greater than ${num('limit')}`) };
    case 'maximum':
      return { type: 'FieldValueInvalid', field, badValue: data, detail: inBody(field, `should be less than or equal to ${num('limit')}`) };
    case 'exclusiveMaximum':
      return { type: 'FieldValueInvalid', field, badValue: data, detail: inBody(field, `should be less than ${num('limit')}`) };
    case 'minLength':
      return { type: 'FieldValueInvalid', field, badValue: data, detail: inBody(field, `should be at least ${num('limit')} chars long`) };
    case 'maxLength':
      return { type: 'FieldValueTooLong', field, detail: `may not be more than ${num('limit')} bytes` };
    case 'minItems':
      return { type: 'FieldValueInvalid', field, badValue: Array.isArray(data) ? data.length : data, detail: inBody(field, `should have at least ${num('limit')} items`) };
    case 'maxItems':
      return { type: 'FieldValueTooMany', field, badValue: Array.isArray(data) ? data.length : data, detail: `must have at most ${num('limit')} items` };
    case 'pattern':
      return { type: 'FieldValueInvalid', field, badValue: data, detail: inBody(field, `should match '${String(params.pattern)}'`) };
    case 'format':
      return { type: 'FieldValueInvalid', field, badValue: data, detail: inBody(field, `must be of type ${String(params.format)}: ${JSON.stringify(data)}`) };
    case 'uniqueItems':
      return { type: 'FieldValueDuplicate', field, badValue: Array.isArray(data) ? data[Number(params.j)] : data };
    case 'oneOf':
      return { type: 'FieldValueInvalid', field, badValue: jsonType(data), detail: 'must validate one and only one schema (oneOf)' };
    case 'anyOf':
      return { type: 'FieldValueInvalid', field, badValue: jsonType(data), detail: 'must validate at least one schema (anyOf)' };
    case 'not':
      return { type: 'FieldValueInvalid', field, badValue: jsonType(data), detail: 'must not validate the schema (not)' };
    case 'if':
      return undefined;
    default:
      return { type: 'FieldValueInvalid', field, badValue: data, detail: inBody(field, e.message ?? 'is invalid') };
  }
}

/**
 * CRD schemas are OpenAPI v3.0: `exclusiveMaximum: true` qualifies `maximum` (same for the
 * minimum), where ajv (JSON Schema) wants the bound itself in `exclusiveMaximum`. A copy of the
 * schema in ajv's form; other nodes are shared.
 */
function withJsonSchemaBounds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withJsonSchemaBounds);
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = key === 'enum' || key === 'default' ? value : withJsonSchemaBounds(value);
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[exclusive] !== 'boolean') continue;
    if (out[exclusive] === true && typeof out[bound] === 'number') {
      out[exclusive] = out[bound];
      delete out[bound];
    } else delete out[exclusive];
  }
  return out;
}

/** Errors from inside a oneOf/anyOf branch only explain why that branch failed: not reported. */
const insideAlternative = /\/(?:oneOf|anyOf)\/\d+\//;

export function compileSchema(schema: Schema): SchemaValidate {
  let validate: ValidateFunction | undefined;
  return (object) => {
    validate ??= newAjv(schema).compile(withJsonSchemaBounds(schema) as Schema);
    if (validate(object)) return [];
    const out: FieldError[] = [];
    for (const e of validate.errors ?? []) {
      if (insideAlternative.test(e.schemaPath)) continue;
      const fe = toFieldError(e);
      if (fe) out.push(fe);
    }
    return out;
  };
}

const byText = new Map<string, SchemaValidate>();
const bySchema = new WeakMap<Schema, SchemaValidate>();

/**
 * One compiled validator per distinct schema text (CRD versions often share the same schema, and
 * reinstalling a CRD must not recompile), looked up by the schema object on the hot path.
 */
export function validatorFor(schema: Schema): SchemaValidate {
  let v = bySchema.get(schema);
  if (v) return v;
  const key = JSON.stringify(schema);
  v = byText.get(key) ?? compileSchema(schema);
  byText.set(key, v);
  bySchema.set(schema, v);
  return v;
}
