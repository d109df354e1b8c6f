/**
 * Turn the JSON Schema that zod 4 generates (draft 2020-12) into a Kubernetes *structural*
 * OpenAPI v3 schema for a CRD (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
 * - oneOf/anyOf of object variants (discriminated unions) become one object whose properties are
 *   the union of the variants' properties and whose `required` is their intersection; the
 *   variant-specific rules stay in zod;
 * - a union of different types (a schedule step: a weight or a gate object) cannot be typed: a
 *   structural node needs one `type` unless it is int-or-string (integer or string only) or
 *   `x-kubernetes-preserve-unknown-fields` (kubernetes apiextensions-apiserver
 *   pkg/apiserver/schema/validation.go `validateStructuralInvariants`), and a `type` inside
 *   anyOf/oneOf is forbidden. It becomes an untyped preserve-unknown-fields node (kept whole, not
 *   pruned) and zod, which the controller runs on every object, checks it;
 * - `const` -> `enum`; numeric `exclusiveMinimum: n` -> `minimum: n, exclusiveMinimum: true`;
 * - `additionalProperties: false` and `propertyNames` are dropped (the API server prunes unknown
 *   fields); an untyped `additionalProperties` becomes `x-kubernetes-preserve-unknown-fields`;
 * - `$schema` is dropped; `$ref` is refused (zod inlines everything that is not recursive).
 */
export type Schema = { [key: string]: unknown };

const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptySchema(value: unknown): boolean {
  return value === true || (isSchema(value) && Object.keys(value).every((k) => k === 'description'));
}

function mapProperties(properties: Schema): Schema {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, toStructuralSchema(v as Schema)]));
}

function convertBounds(out: Schema): void {
  for (const [exclusive, inclusive] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[exclusive] === 'number') {
      out[inclusive] = out[exclusive];
      out[exclusive] = true;
    }
  }
  for (const bound of ['minimum', 'maximum']) {
    if (SAFE_INTEGER_BOUNDS.has(out[bound] as number)) delete out[bound];
  }
}

function convertObjectKeywords(out: Schema): void {
  delete out.propertyNames;
  if (out.additionalProperties === false) delete out.additionalProperties;
  else if (out.additionalProperties !== undefined && isEmptySchema(out.additionalProperties)) {
    delete out.additionalProperties;
    out['x-kubernetes-preserve-unknown-fields'] = true;
  } else if (isSchema(out.additionalProperties)) {
    out.additionalProperties = toStructuralSchema(out.additionalProperties);
  }
  if (isSchema(out.properties)) out.properties = mapProperties(out.properties);
}

const KEY_ORDER = ['description', 'type', 'default', 'enum'];
const LAST_KEYS = ['properties', 'additionalProperties', 'items', 'required'];

/** Keys in a readable, stable order: description, type, default, enum, constraints, then children. */
function ordered(schema: Schema): Schema {
  const rank = (key: string): number => {
    const first = KEY_ORDER.indexOf(key);
    if (first >= 0) return first;
    const last = LAST_KEYS.indexOf(key);
    return last >= 0 ? 100 + last : 50;
  };
  return Object.fromEntries(Object.entries(schema).sort(([a], [b]) => rank(a) - rank(b)));
}

/** Convert one schema node (and everything under it). */
export function toStructuralSchema(node: Schema): Schema {
  return ordered(convertNode(node));
}

function convertNode(node: Schema): Schema {
  if ('$ref' in node || '$defs' in node) throw new Error('structural schemas cannot use $ref/$defs');
  const variants = (node.oneOf ?? node.anyOf) as Schema[] | undefined;
  const { oneOf: _oneOf, anyOf: _anyOf, $schema: _schema, ...rest } = node;
  let out: Schema = { ...rest };
  if (variants && !sameTypes(variants)) out = { ...out, 'x-kubernetes-preserve-unknown-fields': true };
  else if (variants) out = { ...mergeVariants(variants.map(toStructuralSchema)), ...out };
  if ('const' in out) {
    out.enum = [out.const];
    delete out.const;
  }
  convertBounds(out);
  convertObjectKeywords(out);
  if (isSchema(out.items)) out.items = toStructuralSchema(out.items);
  if (isEmptySchema(out)) out['x-kubernetes-preserve-unknown-fields'] = true;
  return out;
}

function mergeRequired(variants: Schema[]): string[] | undefined {
  const lists = variants.map((v) => (Array.isArray(v.required) ? (v.required as string[]) : []));
  const common = (lists[0] ?? []).filter((name) => lists.every((l) => l.includes(name)));
  return common.length > 0 ? common : undefined;
}

function mergeTwo(a: Schema, b: Schema, where: string): Schema {
  if (a.type !== b.type) throw new Error(`cannot merge ${where}: types ${String(a.type)} and ${String(b.type)}`);
  const out: Schema = { ...a };
  for (const [key, value] of Object.entries(b)) {
    if (key === 'required') continue;
    if (!(key in out)) out[key] = value;
    else if (key === 'enum') out.enum = [...new Set([...(out.enum as unknown[]), ...(value as unknown[])])];
    else if (key === 'properties') out.properties = mergeProperties([out.properties as Schema, value as Schema], where);
    else if (key === 'description' && out.description !== value) out.description = `${String(out.description)} ${String(value)}`;
    else if (JSON.stringify(out[key]) !== JSON.stringify(value)) throw new Error(`cannot merge ${where}: '${key}' differs`);
  }
  const required = mergeRequired([a, b]);
  if (required) out.required = required;
  else delete out.required;
  return out;
}

/** A copy of a schema without any `default` (at any depth). */
function withoutDefaults(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'default') continue;
    if (key === 'properties' && isSchema(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutDefaults(v as Schema)]));
    } else out[key] = isSchema(value) && key !== 'enum' ? withoutDefaults(value) : value;
  }
  return out;
}

/**
 * Properties of two variants. A property only one variant has loses its defaults: the API server
 * would otherwise add it to objects of the other variant, which zod then rejects as unknown.
 */
function mergeProperties([a, b]: [Schema, Schema], where: string): Schema {
  const merged: Schema = {};
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const left = a[name] as Schema | undefined;
    const right = b[name] as Schema | undefined;
    merged[name] = left && right ? mergeTwo(left, right, `${where}.${name}`) : withoutDefaults((left ?? right) as Schema);
  }
  return merged;
}

const sameTypes = (variants: Schema[]): boolean => variants.every((v) => v.type === variants[0]?.type);

/** One object schema accepting the fields of every variant (the union's own rules live in zod). */
function mergeVariants(variants: Schema[]): Schema {
  if (!variants.every((v) => v.type === 'object')) throw new Error('only unions of objects can be made structural');
  return variants.reduce((acc, v) => mergeTwo(acc, v, 'union'));
}
