import type { JsonPatchOp } from '../util/json-patch.js';
import { errorFromStatus, type KubeError } from './errors.js';
import { apiVersionOf, type Kind } from './kinds.js';
import type { KubeObject, ObjectList } from './objects.js';
import { withRetry, type RetryOptions } from './retry.js';
import type { HttpRequest, KubeTransport, Query, WatchHandle } from './transport.js';

/**
 * Typed verbs on one kind: get, list, create, replace (and status), patch (JSON Patch or merge
 * patch, main resource or status), server-side apply, delete, watch. Every call is retried on
 * 429/5xx/network errors (the RetryOptions given); failures are the typed errors of errors.ts.
 */
export interface ListOptions {
  namespace?: string;
  /** List across all namespaces (namespaced kinds). */
  allNamespaces?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions {
  namespace?: string;
  allNamespaces?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type Patch = { type: 'json'; ops: JsonPatchOp[] } | { type: 'merge'; body: Record<string, unknown> };

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Strict rejects unknown fields (400), Warn (the server default) drops them. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

const patchTypes = { json: 'application/json-patch+json', merge: 'application/merge-patch+json' } as const;

export class ResourceClient<T extends KubeObject> {
  constructor(
    private readonly transport: KubeTransport,
    readonly kind: Kind<T>,
    private readonly retry: RetryOptions,
  ) {}

  /** `/apis/g/v[/namespaces/ns]/plural[/name[/sub]]`, or `/api/v1/...` for the core group. */
  path(namespace?: string, name?: string, subresource?: string): string {
    const k = this.kind;
    const parts = [k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`];
    if (k.namespaced && namespace !== undefined) parts.push('namespaces', encodeURIComponent(namespace));
    parts.push(k.plural);
    if (name !== undefined) parts.push(encodeURIComponent(name));
    if (subresource !== undefined) parts.push(subresource);
    return parts.join('/');
  }

  private ns(namespace: string | undefined): string | undefined {
    return this.kind.namespaced ? (namespace ?? this.transport.defaultNamespace) : undefined;
  }

  private call<R>(req: HttpRequest): Promise<R> {
    return withRetry(() => this.transport.request<R>(req), this.retry);
  }

  private writeQuery(options: WriteOptions): Query {
    return { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager, fieldValidation: options.fieldValidation };
  }

  private withIdentity(object: T): T {
    return { ...object, apiVersion: apiVersionOf(this.kind), kind: this.kind.kind };
  }

  get(name: string, namespace?: string): Promise<T> {
    return this.call<T>({ method: 'GET', path: this.path(this.ns(namespace), name) });
  }

  /** The object, or undefined when it does not exist. */
  async find(name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get(name, namespace);
    } catch (e) {
      if ((e as KubeError).status === 404) return undefined;
      throw e;
    }
  }

  list(options: ListOptions = {}): Promise<ObjectList<T>> {
    const namespace = options.allNamespaces ? undefined : this.ns(options.namespace);
    const { labelSelector, fieldSelector, limit, resourceVersion, resourceVersionMatch } = options;
    return this.call<ObjectList<T>>({
      method: 'GET',
      path: this.path(namespace),
      query: { labelSelector, fieldSelector, limit, continue: options.continue, resourceVersion, resourceVersionMatch },
    });
  }

  /** Every page of a list (following `continue`), with the resourceVersion of the snapshot. */
  async listAll(options: Omit<ListOptions, 'continue'> = {}): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.list({ ...options, ...(cont ? { continue: cont } : {}) });
      items.push(...page.items);
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
      cont = page.metadata.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  create(object: T, options: WriteOptions = {}): Promise<T> {
    return this.call<T>({ method: 'POST', path: this.path(this.ns(object.metadata.namespace)), query: this.writeQuery(options), body: this.withIdentity(object) });
  }

  /** PUT; the object's metadata.resourceVersion is the precondition (stale → ConflictError). */
  replace(object: T, options: WriteOptions = {}): Promise<T> {
    const name = object.metadata.name ?? '';
    return this.call<T>({ method: 'PUT', path: this.path(this.ns(object.metadata.namespace), name), query: this.writeQuery(options), body: this.withIdentity(object) });
  }

  /** PUT on the status subresource: only .status is written. */
  replaceStatus(object: T, options: WriteOptions = {}): Promise<T> {
    const name = object.metadata.name ?? '';
    return this.call<T>({
      method: 'PUT',
      path: this.path(this.ns(object.metadata.namespace), name, 'status'),
      query: this.writeQuery(options),
      body: this.withIdentity(object),
    });
  }

  patch(name: string, namespace: string | undefined, patch: Patch, options: WriteOptions & { status?: boolean } = {}): Promise<T> {
    return this.call<T>({
      method: 'PATCH',
      path: this.path(this.ns(namespace), name, options.status ? 'status' : undefined),
      query: this.writeQuery(options),
      body: patch.type === 'json' ? patch.ops : patch.body,
      contentType: patchTypes[patch.type],
    });
  }

  /** Server-side apply of a full configuration owned by `fieldManager`. */
  apply(object: T, options: { fieldManager: string; force?: boolean; dryRun?: boolean }): Promise<T> {
    const name = object.metadata.name ?? '';
    return this.call<T>({
      method: 'PATCH',
      path: this.path(this.ns(object.metadata.namespace), name),
      query: { fieldManager: options.fieldManager, force: options.force, dryRun: options.dryRun ? 'All' : undefined },
      body: this.withIdentity(object),
      contentType: 'application/apply-patch+yaml',
    });
  }

  async delete(name: string, namespace?: string, options: DeleteOptions = {}): Promise<void> {
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...options };
    await this.call<unknown>({ method: 'DELETE', path: this.path(this.ns(namespace), name), body });
  }

  /**
   * Stream changes. ERROR events end the stream with their error (GoneError for a 410);
   * `onDone` is called once when the stream ends for any reason but stop().
   */
  watch(options: WatchOptions, onEvent: (event: WatchEvent<T>) => void, onDone: (error?: KubeError) => void): Promise<WatchHandle> {
    const namespace = options.allNamespaces ? undefined : this.ns(options.namespace);
    const { labelSelector, fieldSelector, resourceVersion, allowWatchBookmarks, timeoutSeconds } = options;
    let handle: WatchHandle | undefined;
    let failed: KubeError | undefined;
    return this.transport
      .watch(
        this.path(namespace),
        { labelSelector, fieldSelector, resourceVersion, allowWatchBookmarks, timeoutSeconds },
        (type, object) => {
          if (failed) return;
          if (type === 'ERROR') {
            const status = object as { code?: number };
            failed = errorFromStatus(status.code ?? 500, object);
            handle?.stop();
            onDone(failed);
            return;
          }
          onEvent({ type: type as WatchEventType, object: object as T });
        },
        (error) => {
          if (!failed) onDone(error);
        },
      )
      .then((h) => {
        handle = h;
        if (failed) h.stop();
        return h;
      });
  }
}
