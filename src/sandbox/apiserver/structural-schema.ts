import { isRecord } from './types.js';

/**
 * Pruning and defaulting of custom resources against a structural openAPIV3Schema, as the real
 * API server does before validation: unknown fields are dropped (and reported, for
 * fieldValidation=Strict/Warn) unless `x-kubernetes-preserve-unknown-fields` keeps them; nulls
 * of non-nullable fields are dropped; `default`s fill absent fields; apiVersion/kind/metadata
 * survive at the root and inside `x-kubernetes-embedded-resource` objects.
 */
export type Schema = Record<string, unknown>;

const objectMetaFields = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);
const embeddedFields = new Set(['apiVersion', 'kind', 'metadata']);

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

interface Walk {
  unknown: string[];
}

function pruneMetadata(meta: Record<string, unknown>, path: string, walk: Walk): void {
  for (const key of Object.keys(meta)) {
    if (!objectMetaFields.has(key)) {
      delete meta[key];
      walk.unknown.push(childPath(path, key));
    }
  }
}

function childSchema(schema: Schema, key: string): Schema | 'keep' | undefined {
  const props = isRecord(schema.properties) ? schema.properties : undefined;
  if (props && isRecord(props[key])) return props[key];
  if (isRecord(schema.additionalProperties)) return schema.additionalProperties;
  if (schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields'] === true) return 'keep';
  return undefined;
}

function applyDefaults(obj: Record<string, unknown>, schema: Schema): void {
  if (!isRecord(schema.properties)) return;
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (isRecord(prop) && prop.default !== undefined && obj[key] === undefined) obj[key] = structuredClone(prop.default);
  }
}

function walkObject(obj: Record<string, unknown>, schema: Schema, path: string, walk: Walk, embedded: boolean): void {
  const children: Array<[string, Schema]> = [];
  for (const key of Object.keys(obj)) {
    const sub = childSchema(schema, key);
    if (embedded && embeddedFields.has(key) && (sub === undefined || sub === 'keep' || key === 'metadata')) {
      const meta = obj[key];
      if (key === 'metadata' && isRecord(meta)) pruneMetadata(meta, childPath(path, key), walk);
    } else if (sub === undefined) {
      delete obj[key];
      walk.unknown.push(childPath(path, key));
    } else if (sub !== 'keep') {
      if (obj[key] === null && sub.nullable !== true) delete obj[key];
      else children.push([key, sub]);
    }
  }
  applyDefaults(obj, schema);
  if (isRecord(schema.properties)) {
    for (const [key, prop] of Object.entries(schema.properties)) {
      if (isRecord(prop) && prop.default !== undefined && !children.some(([k]) => k === key)) children.push([key, prop]);
    }
  }
  for (const [key, sub] of children) walkValue(obj[key], sub, childPath(path, key), walk);
}

function walkValue(value: unknown, schema: Schema, path: string, walk: Walk): void {
  if (Array.isArray(value)) {
    if (isRecord(schema.items)) {
      const items = schema.items;
      value.forEach((item, i) => walkValue(item, items, childPath(path, i), walk));
    }
    return;
  }
  if (!isRecord(value)) return;
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && !isRecord(schema.properties) && !isRecord(schema.additionalProperties)) return;
  walkObject(value, schema, path, walk, schema['x-kubernetes-embedded-resource'] === true);
}

/**
 * Prunes and defaults `object` in place against the root schema; returns the dotted paths of the
 * unknown fields dropped (metadata's unknown fields included).
 */
export function pruneAndDefault(object: Record<string, unknown>, schema: Schema): string[] {
  const walk: Walk = { unknown: [] };
  walkObject(object, schema, '', walk, true);
  return walk.unknown;
}
