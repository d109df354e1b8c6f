import { randomBytes } from 'node:crypto';
import type { ResourceView } from './resource-def.js';
import type { ResourceRegistry } from './resource-registry.js';

/**
 * OpenAPI v3 as far as kubectl reads it. `kubectl apply/create/replace` (validation "strict")
 * fetch /openapi/v3 and the group-version document to check that the PATCH operation of the
 * kind takes the `fieldValidation` query parameter; if so they let the server validate. The
 * documents therefore list every resource path with its operations and the
 * x-kubernetes-group-version-kind extension, plus the schemas of custom resources (their CRD
 * openAPIV3Schema). Built-in kinds get no schema: kubectl then falls back to its compiled-in
 * types for strategic merge patches, as it does for an incomplete document.
 */
function reverseDomain(group: string): string {
  return group === '' ? 'io.k8s.api.core' : group.split('.').reverse().join('.');
}

function schemaName(view: ResourceView): string {
  return `${reverseDomain(view.def.group)}.${view.version.name}.${view.def.kind}`;
}

const queryParam = (name: string): Record<string, unknown> => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });

function operations(view: ResourceView, named: boolean): Record<string, unknown> {
  const gvk = { group: view.def.group, version: view.version.name, kind: view.def.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(view)}` };
  const body = { content: { 'application/json': { schema: ref } }, required: true };
  const op = (action: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    operationId: `${action}${view.def.kind}`,
    parameters: [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation')],
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  if (!named) return { get: op('list'), post: op('post', { requestBody: body }) };
  return {
    get: op('get'),
    put: op('put', { requestBody: body }),
    patch: op('patch', {
      parameters: [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation'), queryParam('force')],
      requestBody: { content: { 'application/json-patch+json': { schema: { type: 'object' } }, 'application/merge-patch+json': { schema: { type: 'object' } }, 'application/apply-patch+yaml': { schema: { type: 'object' } } }, required: true },
    }),
    delete: op('delete'),
  };
}

function basePath(view: ResourceView): string {
  const prefix = view.def.group === '' ? `/api/${view.version.name}` : `/apis/${view.def.group}/${view.version.name}`;
  return view.def.namespaced ? `${prefix}/namespaces/{namespace}/${view.def.plural}` : `${prefix}/${view.def.plural}`;
}

export class OpenApiDocs {
  /** Changes with every restart, so kubectl's cache never mixes two emulators on one port. */
  private readonly nonce = randomBytes(4).toString('hex');

  constructor(private readonly registry: ResourceRegistry) {}

  private hash(): string {
    return `${this.nonce}${this.registry.generation.toString(16).padStart(8, '0')}`;
  }

  private root(): Record<string, unknown> {
    const paths: Record<string, unknown> = {};
    for (const g of this.registry.groups()) {
      for (const v of g.versions) {
        const path = g.name === '' ? `api/${v}` : `apis/${g.name}/${v}`;
        paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${this.hash()}` };
      }
    }
    return { paths };
  }

  private groupVersion(group: string, version: string): Record<string, unknown> | undefined {
    const views = this.registry.resourcesAt(group, version);
    if (views.length === 0) return undefined;
    const paths: Record<string, unknown> = {};
    const schemas: Record<string, unknown> = {};
    for (const view of views) {
      paths[basePath(view)] = operations(view, false);
      paths[`${basePath(view)}/{name}`] = operations(view, true);
      const gvk = [{ group, version, kind: view.def.kind }];
      schemas[schemaName(view)] = { ...(view.version.schema ?? { type: 'object' }), 'x-kubernetes-group-version-kind': gvk };
    }
    return {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths,
      components: { schemas },
    };
  }

  /** The v3 document at /openapi/<parts>, or undefined (404); /openapi/v2 is openapi-v2.ts. */
  document(parts: string[]): unknown {
    if (parts[0] !== 'v3') return undefined;
    if (parts.length === 1) return this.root();
    if (parts[1] === 'api' && parts.length === 3) return this.groupVersion('', parts[2] as string);
    if (parts[1] === 'apis' && parts.length === 4) return this.groupVersion(parts[2] as string, parts[3] as string);
    return undefined;
  }

}
