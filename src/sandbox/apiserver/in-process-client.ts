import { parseAllDocuments } from 'yaml';
import type { ApiCore, DeleteOptions, Scope } from './api-core.js';
import { ApiError, errors } from './api-error.js';
import type { ListOptions } from './list-query.js';
import type { PatchType } from './patching.js';
import { isRecord, type KubeObject } from './types.js';

/**
 * Direct calls into the emulator, without HTTP, with the same semantics as the API (the same
 * ApiCore): for seeding the sandbox and for tests that set the scene. Objects are addressed by
 * apiVersion and kind, as in manifests.
 */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export class InProcessClient {
  constructor(private readonly core: ApiCore) {}

  private scope(apiVersion: string, kind: string, namespace: string | undefined): Scope {
    const view = this.core.registry.resolveKind(apiVersion, kind);
    if (!view) throw new ApiError(404, 'NotFound', `no matches for kind "${kind}" in version "${apiVersion}"`, {});
    if (!view.def.namespaced) return { view };
    return { view, namespace: namespace ?? 'default' };
  }

  private scopeOf(object: KubeObject): Scope {
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
      throw errors.badRequest('Object \'Kind\' is missing in the object (apiVersion and kind are required)');
    }
    return this.scope(object.apiVersion, object.kind, object.metadata.namespace);
  }

  create(object: KubeObject): KubeObject {
    return this.core.create(this.scopeOf(object), object).object;
  }

  get(ref: ObjectRef): KubeObject {
    return this.core.get(this.scope(ref.apiVersion, ref.kind, ref.namespace), ref.name);
  }

  list(apiVersion: string, kind: string, namespace?: string, options: ListOptions = {}): KubeObject[] {
    const view = this.core.registry.resolveKind(apiVersion, kind);
    const scope = view && view.def.namespaced && namespace === undefined ? { view } : this.scope(apiVersion, kind, namespace);
    return this.core.list(scope, options).items;
  }

  update(object: KubeObject, subresource?: 'status'): KubeObject {
    return this.core.update(this.scopeOf(object), object.metadata.name ?? '', object, {}, subresource).object;
  }

  patch(ref: ObjectRef, type: PatchType, body: unknown, subresource?: 'status'): KubeObject {
    return this.core.patch(this.scope(ref.apiVersion, ref.kind, ref.namespace), ref.name, type, body, { fieldManager: 'tcpshift-sandbox' }, subresource).object;
  }

  delete(ref: ObjectRef, options: DeleteOptions = {}): void {
    this.core.delete(this.scope(ref.apiVersion, ref.kind, ref.namespace), ref.name, options);
  }

  /** Create each object, or replace it (keeping what the server owns) when it exists. */
  apply(objects: KubeObject[]): KubeObject[] {
    return objects.map((object) => {
      const scope = this.scopeOf(object);
      const name = object.metadata.name ?? '';
      try {
        const current = this.core.get(scope, name);
        const next = { ...object, metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion } };
        return this.core.update(scope, name, next).object;
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return this.core.create(scope, object).object;
        throw e;
      }
    });
  }

  /** Apply every document of a multi-document YAML text (empty documents skipped). */
  applyYaml(text: string): KubeObject[] {
    const objects: KubeObject[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw errors.badRequest(`invalid YAML: ${doc.errors[0]?.message ?? ''}`);
      const value: unknown = doc.toJSON();
      if (isRecord(value) && isRecord(value.metadata)) objects.push(value as KubeObject);
    }
    return this.apply(objects);
  }
}
