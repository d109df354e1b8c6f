import type { KubeObject } from '../kube/index.js';
import { pointer, type JsonPatchOp } from '../util/json-patch.js';
import type { MetadataChanges } from './traffic-router.js';

/**
 * JSON Patch ops that set or remove entries of metadata.annotations or metadata.labels, pure.
 * Unchanged entries give no op; an absent map is created with the entries set.
 */
export function metadataPatch(object: KubeObject, field: 'annotations' | 'labels', changes: MetadataChanges | undefined): JsonPatchOp[] {
  if (!changes) return [];
  const current = object.metadata[field];
  const sets = Object.entries(changes).filter((e): e is [string, string] => e[1] !== null && current?.[e[0]] !== e[1]);
  if (current === undefined) {
    return sets.length === 0 ? [] : [{ op: 'add', path: pointer('metadata', field), value: Object.fromEntries(sets) }];
  }
  const ops: JsonPatchOp[] = sets.map(([key, value]) => ({ op: 'add', path: pointer('metadata', field, key), value }));
  for (const [key, value] of Object.entries(changes)) {
    if (value === null && Object.hasOwn(current, key)) ops.push({ op: 'remove', path: pointer('metadata', field, key) });
  }
  return ops;
}
