import { randomUUID } from 'node:crypto';
import type { Clock } from '../../util/clock.js';
import { errors, type StatusDetails } from './api-error.js';
import { decode, encode } from './codec.js';
import type { FieldError } from './field-errors.js';
import { listObjects, type ListOptions, type ListResult } from './list-query.js';
import { generateName, rfc3339, validateMeta } from './object-meta.js';
import { ObjectStore } from './object-store.js';
import { applyPatch, type PatchType } from './patching.js';
import { storageKey, storageVersion, type ResourceView } from './resource-def.js';
import { ResourceRegistry } from './resource-registry.js';
import { isRecord, type KubeObject } from './types.js';
import { WatchSession, type WatchOptions, type WatchSink } from './watch-session.js';
import {
  applySchema,
  checkIdentity,
  checkResourceVersion,
  finalizerErrors,
  groupResource,
  keepServerMeta,
  sameObject,
  specChanged,
  type FieldValidation,
} from './write-rules.js';

/**
 * The API semantics, independent of HTTP: get, list, create, update (main resource or status),
 * patch, delete (finalizers, deletionTimestamp, namespace termination), watch. The HTTP router
 * and the in-process client both call these, so they behave the same.
 */
export interface Scope {
  view: ResourceView;
  namespace?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  fieldManager?: string;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  created: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  /** 200 when the object is gone, 202 when deletion waits on finalizers. */
  code: 200 | 202;
  body: KubeObject | SuccessStatus;
}

export interface SuccessStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success';
  details: StatusDetails;
}

/** Per-resource extensions: what a CRD or a Namespace adds to the generic behaviour. */
export interface ResourceHooks {
  validate?(next: KubeObject, previous: KubeObject | undefined): FieldError[];
  /** A validating admission webhook, after schema validation: its denial message (400), or undefined to admit. */
  admit?(next: KubeObject, previous: KubeObject | undefined): string | undefined;
  prepare?(next: KubeObject, previous: KubeObject | undefined): void;
  committed?(object: KubeObject, removed: boolean): void;
}

export interface ApiCoreOptions {
  clock: Clock;
  historyLimit: number;
  bookmarkIntervalMs: number;
  watchTimeoutSeconds: number;
  maxWatchBacklogBytes: number;
}

const NAMESPACES = '/namespaces';

export class ApiCore {
  readonly registry = new ResourceRegistry();
  readonly store: ObjectStore;
  private readonly hooks = new Map<string, ResourceHooks>();
  readonly sessions = new Set<WatchSession>();
  /** Events each new watch stream may deliver before it is cut (fault injection). */
  watchEventBudget: number | undefined;
  /** Last configuration each field manager applied, per object uid, then manager (server-side apply). */
  private readonly applied = new Map<string, Map<string, KubeObject>>();

  constructor(private readonly options: ApiCoreOptions) {
    this.store = new ObjectStore(options.historyLimit);
  }

  addHooks(group: string, plural: string, hooks: ResourceHooks): void {
    this.hooks.set(`${group}/${plural}`, hooks);
  }

  private nowIso(): string {
    return rfc3339(this.options.clock.now());
  }

  private current(scope: Scope, name: string): KubeObject {
    const found = this.store.get(storageKey(scope.view.def), scope.namespace, name);
    if (!found) throw errors.notFound(groupResource(scope.view), name);
    return found;
  }

  get(scope: Scope, name: string): KubeObject {
    return encode(scope.view, this.current(scope, name));
  }

  list(scope: Scope, options: ListOptions): ListResult {
    return listObjects(this.store, scope.view, scope.namespace, options);
  }

  private admitNamespace(scope: Scope): void {
    if (!scope.view.def.namespaced || scope.namespace === undefined) return;
    const ns = this.store.get(NAMESPACES, undefined, scope.namespace);
    if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, scope.namespace);
    if (ns.metadata.deletionTimestamp) {
      throw errors.forbidden(`${scope.view.def.kind.toLowerCase()} is forbidden: unable to create new content in namespace ${scope.namespace} because it is being terminated`, {
        name: scope.namespace,
        kind: 'namespaces',
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${scope.namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  /** Parse the body of a write into an object of this resource, with namespace rules applied. */
  private objectFrom(scope: Scope, body: unknown): KubeObject {
    if (!isRecord(body)) throw errors.badRequest('the body of the request must be a JSON or YAML object');
    const object = structuredClone(body) as KubeObject;
    object.metadata = isRecord(object.metadata) ? object.metadata : {};
    checkIdentity(scope.view, object);
    const meta = object.metadata;
    if (!scope.view.def.namespaced) delete meta.namespace;
    else if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== scope.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    } else meta.namespace = scope.namespace;
    return object;
  }

  /** Schema, metadata and hook validation; throws one 422 listing every problem. */
  private validate(scope: Scope, next: KubeObject, previous: KubeObject | undefined, options: WriteOptions): string[] {
    const def = scope.view.def;
    const { warnings, errors: schemaErrors } = applySchema(scope.view, next, options.fieldValidation ?? 'Warn');
    const found = [
      ...validateMeta(next.metadata, def.plural === 'namespaces' && def.group === '' ? 'label' : 'subdomain'),
      ...schemaErrors,
      ...(previous ? finalizerErrors(previous, next) : []),
      ...(this.hooks.get(storageKey(def))?.validate?.(next, previous) ?? []),
    ];
    if (found.length) throw errors.invalid(def.kind, def.group, next.metadata.name ?? next.metadata.generateName ?? '', found);
    const denied = this.hooks.get(storageKey(def))?.admit?.(next, previous);
    if (denied !== undefined) throw errors.badRequest(denied);
    return warnings;
  }

  create(scope: Scope, body: unknown, options: WriteOptions = {}): WriteResult {
    const def = scope.view.def;
    const object = this.objectFrom(scope, body);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    this.admitNamespace(scope);
    const warnings = this.validate(scope, object, undefined, options);
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'resourceVersion', 'managedFields', 'selfLink'] as const) delete meta[k];
    meta.uid = randomUUID();
    meta.creationTimestamp = this.nowIso();
    if (def.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    if (def.custom && scope.view.version.statusSubresource) delete object.status;
    def.strategy?.defaults?.(object);
    def.strategy?.prepareCreate?.(object);
    const key = storageKey(def);
    this.hooks.get(key)?.prepare?.(object, undefined);
    if (this.store.get(key, scope.namespace, meta.name as string)) throw errors.alreadyExists(groupResource(scope.view), meta.name as string);
    if (options.dryRun) return { object, warnings, created: true };
    const stored = this.store.put(key, decode(scope.view, object));
    this.hooks.get(key)?.committed?.(stored, false);
    return { object: encode(scope.view, stored), warnings, created: true };
  }

  update(scope: Scope, name: string, body: unknown, options: WriteOptions = {}, subresource?: 'status'): WriteResult {
    const existing = this.current(scope, name);
    const incoming = this.objectFrom(scope, body);
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${String(incoming.metadata.name)}) does not match the name on the URL (${name})`);
    }
    checkResourceVersion(scope.view, existing, incoming.metadata.resourceVersion, name);
    return this.commitUpdate(scope, existing, incoming, options, subresource);
  }

  private nextState(scope: Scope, previous: KubeObject, incoming: KubeObject, subresource?: 'status'): KubeObject {
    if (subresource === 'status') {
      const next = structuredClone(previous);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
      return next;
    }
    const next = incoming;
    keepServerMeta(previous, next);
    if (scope.view.version.statusSubresource) {
      if (previous.status === undefined) delete next.status;
      else next.status = previous.status;
    }
    return next;
  }

  private commitUpdate(scope: Scope, existing: KubeObject, incoming: KubeObject, options: WriteOptions, subresource?: 'status'): WriteResult {
    const def = scope.view.def;
    const previous = encode(scope.view, existing);
    const next = this.nextState(scope, previous, incoming, subresource);
    def.strategy?.defaults?.(next);
    const warnings = this.validate(scope, next, previous, options);
    if (def.tracksGeneration && specChanged(previous, next, scope.view.version.statusSubresource)) {
      next.metadata.generation = (previous.metadata.generation ?? 0) + 1;
    }
    const key = storageKey(def);
    this.hooks.get(key)?.prepare?.(next, previous);
    if (sameObject(previous, next)) return { object: previous, warnings, created: false };
    next.metadata.resourceVersion = previous.metadata.resourceVersion;
    if (options.dryRun) return { object: next, warnings, created: false };
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.store.put(key, decode(scope.view, next));
      return { object: encode(scope.view, this.removeNow(scope, next.metadata.name as string)), warnings, created: false };
    }
    const stored = this.store.put(key, decode(scope.view, next));
    this.hooks.get(key)?.committed?.(stored, false);
    return { object: encode(scope.view, stored), warnings, created: false };
  }

  patch(scope: Scope, name: string, type: PatchType, body: unknown, options: WriteOptions = {}, subresource?: 'status'): WriteResult {
    const key = storageKey(scope.view.def);
    const existing = this.store.get(key, scope.namespace, name);
    if (type === 'apply' && !options.fieldManager) {
      throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [{ type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' }]);
    }
    if (!existing) {
      if (type !== 'apply') throw errors.notFound(groupResource(scope.view), name);
      const created = this.create(scope, { ...(body as KubeObject), metadata: { ...(body as KubeObject).metadata, name } }, options);
      this.rememberApplied(created.object, options.fieldManager, body);
      return created;
    }
    const current = encode(scope.view, existing);
    const previouslyApplied = this.applied.get(existing.metadata.uid ?? '')?.get(options.fieldManager ?? '');
    const patched = applyPatch(scope.view, type, current, body, previouslyApplied);
    if (!isRecord(patched) || !isRecord(patched.metadata)) throw errors.patchNotApplicable();
    const rv = patched.metadata.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) throw errors.conflict(groupResource(scope.view), name);
    const incoming = this.objectFrom(scope, patched);
    const result = this.commitUpdate(scope, existing, incoming, options, subresource);
    if (type === 'apply') this.rememberApplied(result.object, options.fieldManager, body);
    return result;
  }

  private rememberApplied(object: KubeObject, manager: string | undefined, body: unknown): void {
    if (!isRecord(body)) return;
    const uid = object.metadata.uid ?? '';
    const byManager = this.applied.get(uid) ?? new Map<string, KubeObject>();
    byManager.set(manager ?? '', structuredClone(body) as KubeObject);
    this.applied.set(uid, byManager);
  }

  delete(scope: Scope, name: string, options: DeleteOptions = {}): DeleteResult {
    const existing = this.current(scope, name);
    this.checkPreconditions(scope, existing, options);
    const object = encode(scope.view, existing);
    if (options.dryRun) return { code: 200, body: object };
    const def = scope.view.def;
    if (def.group === '' && def.plural === 'namespaces') return this.terminateNamespace(scope, existing);
    if ((existing.metadata.finalizers ?? []).length > 0) return { code: 202, body: encode(scope.view, this.markDeleting(scope, existing)) };
    this.removeNow(scope, name);
    return { code: 200, body: this.successStatus(scope, existing) };
  }

  private checkPreconditions(scope: Scope, existing: KubeObject, options: DeleteOptions): void {
    const name = existing.metadata.name as string;
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== existing.metadata.uid) {
      throw errors.conflict(groupResource(scope.view), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid ?? ''}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw errors.conflict(
        groupResource(scope.view),
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion ?? ''}`,
      );
    }
  }

  private successStatus(scope: Scope, removed: KubeObject): SuccessStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: removed.metadata.name ?? '', group: scope.view.def.group, kind: scope.view.def.plural, uid: removed.metadata.uid ?? '' },
    };
  }

  /** Deletion waits on finalizers: set deletionTimestamp once (generation moves, as in the real server). */
  private markDeleting(scope: Scope, existing: KubeObject): KubeObject {
    if (existing.metadata.deletionTimestamp) return existing;
    const metadata = { ...existing.metadata, deletionTimestamp: this.nowIso(), deletionGracePeriodSeconds: 0 };
    if (metadata.generation !== undefined) metadata.generation += 1;
    return this.store.put(storageKey(scope.view.def), { ...existing, metadata });
  }

  private removeNow(scope: Scope, name: string): KubeObject {
    const key = storageKey(scope.view.def);
    const removed = this.store.remove(key, scope.namespace, name) as KubeObject;
    this.applied.delete(removed.metadata.uid ?? '');
    this.hooks.get(key)?.committed?.(removed, true);
    if (scope.namespace !== undefined) this.finalizeNamespaceIfEmpty(scope.namespace);
    return removed;
  }

  deleteCollection(scope: Scope, listOptions: ListOptions, options: DeleteOptions = {}): KubeObject[] {
    const { items } = this.list(scope, listOptions);
    for (const item of items) this.delete({ view: scope.view, namespace: item.metadata.namespace }, item.metadata.name as string, options);
    return items;
  }

  /** Namespace deletion: Terminating, its contents deleted (finalizers honoured), then the namespace. */
  private terminateNamespace(scope: Scope, existing: KubeObject): DeleteResult {
    const ns = existing.metadata.name as string;
    if (!existing.metadata.deletionTimestamp) {
      this.store.put(NAMESPACES, { ...existing, metadata: { ...existing.metadata, deletionTimestamp: this.nowIso() }, status: { phase: 'Terminating' } });
    }
    for (const def of this.registry.all()) {
      if (!def.namespaced || def.sharedStorage) continue;
      const view = { def, version: storageVersion(def) };
      for (const [, object] of this.store.list(storageKey(def), ns)) this.delete({ view, namespace: ns }, object.metadata.name as string);
    }
    this.finalizeNamespaceIfEmpty(ns);
    const after = this.store.get(NAMESPACES, undefined, ns);
    return after ? { code: 202, body: encode(scope.view, after) } : { code: 200, body: this.successStatus(scope, existing) };
  }

  private finalizeNamespaceIfEmpty(ns: string): void {
    const object = this.store.get(NAMESPACES, undefined, ns);
    if (object?.metadata.deletionTimestamp && !this.store.namespaceInUse(ns)) this.store.remove(NAMESPACES, undefined, ns);
  }

  watch(scope: Scope, options: WatchOptions, sink: WatchSink): WatchSession {
    const session = new WatchSession(
      {
        store: this.store,
        clock: this.options.clock,
        bookmarkIntervalMs: this.options.bookmarkIntervalMs,
        maxBacklogBytes: this.options.maxWatchBacklogBytes,
        defaultTimeoutSeconds: this.options.watchTimeoutSeconds,
      },
      scope.view,
      scope.namespace,
      options,
      sink,
    );
    session.eventBudget = this.watchEventBudget;
    this.sessions.add(session);
    session.onClose = () => this.sessions.delete(session);
    session.start();
    return session;
  }

  /** End the watch streams of a resource (its CRD is gone) or all of them. */
  closeWatches(resource?: string, cut = false): void {
    for (const s of [...this.sessions]) if (resource === undefined || s.resource === resource) s.finish(cut);
  }

  /** Forget a whole custom resource: every object removed (DELETED events), watchers ended. */
  dropCustomResource(group: string, plural: string): void {
    const def = this.registry.get(group, plural);
    if (!def) return;
    const key = storageKey(def);
    for (const [, object] of this.store.list(key)) {
      this.store.remove(key, object.metadata.namespace, object.metadata.name as string);
      this.applied.delete(object.metadata.uid ?? '');
    }
    this.closeWatches(key);
    this.registry.remove(group, plural);
    this.store.dropResource(key);
  }
}
