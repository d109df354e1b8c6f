import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../util/clock.js';
import type { ApiCore, Scope } from './api-core.js';
import { ApiError, errors } from './api-error.js';
import { viewApiVersion } from './codec.js';
import type { Faults } from './faults.js';
import { decodeBody, readBody, sendJson, warningHeaders } from './http-io.js';
import type { ListResult } from './list-query.js';
import { mediaType, negotiate, type Wanted } from './media-types.js';
import { patchContentTypes } from './patching.js';
import { deleteOptions, includeObject, isWatch, listOptions, watchParams, writeOptions } from './query-options.js';
import type { RequestTarget } from './request-path.js';
import { toTable } from './table.js';
import type { KubeObject } from './types.js';
import type { WatchFormat } from './watch-session.js';

/**
 * Resource requests: which verb a method and path mean, fault injection, then the ApiCore call
 * and the answer in the form the client asked for (JSON, or a Table for kubectl).
 */
export interface ResourceHandlerDeps {
  core: ApiCore;
  faults: Faults;
  clock: Clock;
  count(verb: string, resource: string, request?: RequestRecord): void;
}

/** One resource request as RBAC sees it: verb, API group, resource, subresource, namespace, name. */
export interface RequestRecord {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

type ResourceTarget = Extract<RequestTarget, { kind: 'resource' }>;

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

function verbOf(method: string, target: ResourceTarget, query: URLSearchParams): Verb {
  const named = target.name !== undefined;
  switch (method) {
    case 'GET':
      if (target.watchPrefix || isWatch(query)) return 'watch';
      return named ? 'get' : 'list';
    case 'POST':
      if (!named) return 'create';
      break;
    case 'PUT':
      if (named) return 'update';
      break;
    case 'PATCH':
      if (named) return 'patch';
      break;
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
  }
  throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

function scopeOf(core: ApiCore, target: ResourceTarget): { scope: Scope; subresource?: 'status' } {
  const view = core.registry.resolve(target.group, target.version, target.plural);
  if (!view) throw errors.notFoundPath();
  if (target.subresource !== undefined && (target.subresource !== 'status' || !view.version.statusSubresource)) throw errors.notFoundPath();
  if (!view.def.namespaced && target.namespace !== undefined) throw errors.notFoundPath();
  if (view.def.namespaced && target.namespace === undefined && target.name !== undefined) throw errors.notFoundPath();
  const scope: Scope = { view, ...(target.namespace !== undefined ? { namespace: target.namespace } : {}) };
  return target.subresource === 'status' ? { scope, subresource: 'status' } : { scope };
}

function tableFor(deps: ResourceHandlerDeps, scope: Scope, wanted: Extract<Wanted, { kind: 'table' }>, objects: KubeObject[], query: URLSearchParams, list?: ListResult): unknown {
  return toTable(scope.view, objects, {
    include: includeObject(query),
    tableApiVersion: wanted.apiVersion,
    nowMs: deps.clock.now(),
    metadata: list
      ? { resourceVersion: list.resourceVersion, ...(list.continue ? { continue: list.continue } : {}) }
      : { resourceVersion: objects[0]?.metadata.resourceVersion ?? '' },
  });
}

const TABLE_CONTENT_TYPE = (apiVersion: string): string => `application/json;as=Table;v=${apiVersion.split('/')[1] ?? 'v1'};g=meta.k8s.io`;

function answerRead(deps: ResourceHandlerDeps, res: ServerResponse, scope: Scope, wanted: Wanted, query: URLSearchParams, objects: KubeObject[], list?: ListResult): void {
  if (wanted.kind === 'table') {
    sendJson(res, 200, tableFor(deps, scope, wanted, objects, query, list), {}, TABLE_CONTENT_TYPE(wanted.apiVersion));
    return;
  }
  if (!list) {
    sendJson(res, 200, objects[0]);
    return;
  }
  const metadata = {
    resourceVersion: list.resourceVersion,
    ...(list.continue ? { continue: list.continue } : {}),
    ...(list.remainingItemCount !== undefined ? { remainingItemCount: list.remainingItemCount } : {}),
  };
  sendJson(res, 200, { kind: scope.view.def.listKind, apiVersion: viewApiVersion(scope.view), metadata, items: list.items });
}

function startWatch(deps: ResourceHandlerDeps, req: IncomingMessage, res: ServerResponse, scope: Scope, target: ResourceTarget, query: URLSearchParams, wanted: Wanted): void {
  const list = listOptions(query);
  const fieldSelector = target.name !== undefined ? [`metadata.name=${target.name}`, list.fieldSelector].filter(Boolean).join(',') : list.fieldSelector;
  const format: WatchFormat = wanted.kind === 'table' ? { kind: 'table', include: includeObject(query), tableApiVersion: wanted.apiVersion } : { kind: 'json' };
  const open = (): void => {
    res.writeHead(200, {
      'Content-Type': wanted.kind === 'table' ? TABLE_CONTENT_TYPE(wanted.apiVersion) : 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
  };
  const session = deps.core.watch(
    scope,
    {
      ...(list.labelSelector ? { labelSelector: list.labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
      ...(list.resourceVersion ? { resourceVersion: list.resourceVersion } : {}),
      ...watchParams(query),
      format,
    },
    {
      open,
      write: (line) => res.write(line),
      backlog: () => res.writableLength,
      end: () => res.end(),
      cut: () => res.destroy(),
    },
  );
  res.on('close', () => session.clientGone());
  req.on('error', () => session.clientGone());
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  return decodeBody(await readBody(req), req.headers['content-type']);
}

async function write(deps: ResourceHandlerDeps, req: IncomingMessage, res: ServerResponse, verb: Verb, scope: Scope, target: ResourceTarget, query: URLSearchParams, subresource?: 'status'): Promise<void> {
  const core = deps.core;
  const name = target.name as string;
  if (verb === 'create') {
    const r = core.create(scope, await bodyOf(req), writeOptions(query));
    sendJson(res, 201, r.object, warningHeaders(r.warnings));
  } else if (verb === 'update') {
    const r = core.update(scope, name, await bodyOf(req), writeOptions(query), subresource);
    sendJson(res, 200, r.object, warningHeaders(r.warnings));
  } else if (verb === 'patch') {
    const type = patchContentTypes[mediaType(req.headers['content-type'])];
    if (!type) throw errors.unsupportedMediaType(mediaType(req.headers['content-type']));
    const r = core.patch(scope, name, type, await bodyOf(req), { ...writeOptions(query) }, subresource);
    sendJson(res, r.created ? 201 : 200, r.object, warningHeaders(r.warnings));
  } else if (verb === 'delete') {
    const r = core.delete(scope, name, deleteOptions(query, await bodyOf(req)));
    sendJson(res, r.code, r.body);
  } else {
    const items = core.deleteCollection(scope, listOptions(query), deleteOptions(query, await bodyOf(req)));
    sendJson(res, 200, { kind: scope.view.def.listKind, apiVersion: viewApiVersion(scope.view), metadata: {}, items });
  }
}

export async function handleResource(deps: ResourceHandlerDeps, req: IncomingMessage, res: ServerResponse, target: ResourceTarget, query: URLSearchParams): Promise<void> {
  const { scope, subresource } = scopeOf(deps.core, target);
  const verb = verbOf(req.method ?? 'GET', target, query);
  deps.count(verb, target.plural, {
    verb,
    group: target.group,
    resource: target.plural,
    ...(target.subresource !== undefined ? { subresource: target.subresource } : {}),
    ...(target.namespace !== undefined ? { namespace: target.namespace } : {}),
    ...(target.name !== undefined ? { name: target.name } : {}),
  });
  const latency = deps.faults.latencyMs();
  if (latency > 0) await deps.clock.sleep(latency);
  const failure = deps.faults.decide(verb, target.plural);
  if (failure !== undefined) throw injectedError(failure);
  const wanted = negotiate(req.headers.accept);
  if (wanted.kind === 'none') throw errors.notAcceptable();
  if (verb === 'watch') return startWatch(deps, req, res, scope, target, query, wanted);
  if (verb === 'get') return answerRead(deps, res, scope, wanted, query, [deps.core.get(scope, target.name as string)]);
  if (verb === 'list') {
    const list = deps.core.list(scope, listOptions(query));
    return answerRead(deps, res, scope, wanted, query, list.items, list);
  }
  await write(deps, req, res, verb, scope, target, query, subresource);
}

function injectedError(status: number): ApiError {
  if (status === 429) return errors.tooManyRequests(1);
  if (status >= 500) {
    return new ApiError(status, status === 503 ? 'ServiceUnavailable' : 'InternalError', `Internal error occurred: injected fault (HTTP ${status})`, {
      causes: [{ message: 'injected fault' }],
      retryAfterSeconds: status === 503 ? 1 : undefined,
    });
  }
  return new ApiError(status, 'Unknown', `injected fault (HTTP ${status})`, {});
}
