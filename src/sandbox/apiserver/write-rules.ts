import { deepEqual } from '../../util/json-patch.js';
import { errors, type GroupResource } from './api-error.js';
import { viewApiVersion } from './codec.js';
import { forbidden, invalid, type FieldError } from './field-errors.js';
import type { ResourceView } from './resource-def.js';
import { validatorFor } from './schema-validator.js';
import { pruneAndDefault } from './structural-schema.js';
import type { KubeObject } from './types.js';

/** The checks and rules shared by create, update and patch. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function groupResource(view: ResourceView): GroupResource {
  return { group: view.def.group, resource: view.def.plural };
}

/** 400 when the body names another apiVersion or kind than the URL. */
export function checkIdentity(view: ResourceView, object: KubeObject): void {
  const expected = viewApiVersion(view);
  if (object.apiVersion !== undefined && object.apiVersion !== expected) {
    throw errors.badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`);
  }
  if (object.kind !== undefined && object.kind !== view.def.kind) {
    throw errors.badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${view.def.kind})`);
  }
  object.apiVersion = expected;
  object.kind = view.def.kind;
}

/**
 * Prune, default and validate a custom resource against its version's schema. Unknown fields
 * fail with fieldValidation=Strict (400, the real message) and become warnings otherwise.
 */
export function applySchema(view: ResourceView, object: KubeObject, fieldValidation: FieldValidation): { warnings: string[]; errors: FieldError[] } {
  const schema = view.version.schema;
  if (!schema) return { warnings: [], errors: [] };
  const unknown = pruneAndDefault(object, schema);
  if (unknown.length && fieldValidation === 'Strict') {
    const kind = view.def.kind;
    throw errors.badRequest(
      `${kind} in version "${view.version.name}" cannot be handled as a ${kind}: strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`,
    );
  }
  const warnings = fieldValidation === 'Warn' ? unknown.map((u) => `unknown field "${u}"`) : [];
  return { warnings, errors: validatorFor(schema)(object) };
}

/** Precondition of an update on metadata.resourceVersion: stale → 409; missing → 422 where required. */
export function checkResourceVersion(view: ResourceView, existing: KubeObject, given: unknown, name: string): void {
  if (given === undefined || given === '') {
    if (!view.def.allowUnconditionalUpdate) {
      throw errors.invalid(view.def.kind, view.def.group, name, [invalid('metadata.resourceVersion', '0x0', 'must be specified for an update')]);
    }
    return;
  }
  if ((typeof given === 'string' || typeof given === 'number' ? String(given) : '') !== existing.metadata.resourceVersion) throw errors.conflict(groupResource(view), name);
}

function withoutMetaAndStatus(object: KubeObject, dropStatus: boolean): Record<string, unknown> {
  const { metadata: _m, status, ...rest } = object;
  return dropStatus ? rest : { ...rest, status };
}

/** metadata.generation moves when anything but metadata (and status, under a status subresource) changes. */
export function specChanged(previous: KubeObject, next: KubeObject, statusSubresource: boolean): boolean {
  return !deepEqual(withoutMetaAndStatus(previous, statusSubresource), withoutMetaAndStatus(next, statusSubresource));
}

/** An update that changes nothing writes nothing (no new resourceVersion, no watch event). */
export function sameObject(previous: KubeObject, next: KubeObject): boolean {
  const strip = (o: KubeObject): KubeObject => {
    const metadata = { ...o.metadata };
    delete metadata.resourceVersion;
    return { ...o, metadata };
  };
  return deepEqual(strip(previous), strip(next));
}

/** Once deletion started, finalizers may only be removed. */
export function finalizerErrors(previous: KubeObject, next: KubeObject): FieldError[] {
  if (!previous.metadata.deletionTimestamp) return [];
  const before = new Set(previous.metadata.finalizers ?? []);
  const added = (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
  return added.length ? [forbidden('metadata.finalizers', 'no new finalizers can be added if the object is being deleted, found new finalizers ' + JSON.stringify(added))] : [];
}

/** Server-owned metadata an update cannot change. */
export function keepServerMeta(previous: KubeObject, next: KubeObject): void {
  const meta: Record<string, unknown> = next.metadata;
  for (const key of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name']) {
    if (previous.metadata[key] === undefined) delete meta[key];
    else meta[key] = previous.metadata[key];
  }
  delete meta.managedFields;
  delete meta.selfLink;
}
