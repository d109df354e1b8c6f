import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../../util/logger.js';
import { errors } from './api-error.js';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, groupDiscoveryList } from './discovery.js';
import { sendError, sendJson } from './http-io.js';
import { negotiate } from './media-types.js';
import type { OpenApiDocs } from './openapi.js';
import { sendOpenApiV2 } from './openapi-v2.js';
import { parseRequestPath, type RequestTarget } from './request-path.js';
import { handleResource, type ResourceHandlerDeps } from './resource-handler.js';

/**
 * The request listener: bearer-token authentication (anonymous access only to /version and the
 * health endpoints, as RBAC allows on a real cluster), discovery, /version, OpenAPI, and
 * resources.
 */
export interface RoutesDeps extends ResourceHandlerDeps {
  token: string;
  logger: Logger;
  serverAddress(): string;
  openapi: OpenApiDocs;
}

export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-tcpshift-emulator' };

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function versionInfo(): Record<string, string> {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

function discoveryAnswer(deps: RoutesDeps, req: IncomingMessage, res: ServerResponse, which: 'api' | 'apis'): void {
  const wanted = negotiate(req.headers.accept);
  if (wanted.kind === 'discovery') {
    const apiVersion = `apidiscovery.k8s.io/${wanted.version}`;
    const contentType = `application/json;g=apidiscovery.k8s.io;v=${wanted.version};as=APIGroupDiscoveryList`;
    sendJson(res, 200, groupDiscoveryList(deps.core.registry, which, apiVersion), {}, contentType);
  } else if (which === 'api') sendJson(res, 200, apiVersions(deps.serverAddress()));
  else sendJson(res, 200, apiGroupList(deps.core.registry));
}

async function route(deps: RoutesDeps, req: IncomingMessage, res: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
  switch (target.kind) {
    case 'version':
      return sendJson(res, 200, versionInfo());
    case 'health':
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    case 'root':
      return discoveryAnswer(deps, req, res, target.which);
    case 'group': {
      const doc = apiGroupDoc(deps.core.registry, target.group);
      if (!doc) throw errors.notFoundPath();
      return sendJson(res, 200, doc);
    }
    case 'groupVersion': {
      const doc = apiResourceList(deps.core.registry, target.group, target.version);
      if (!doc) throw errors.notFoundPath();
      return sendJson(res, 200, doc);
    }
    case 'openapi': {
      if (target.parts.length === 1 && target.parts[0] === 'v2') return sendOpenApiV2(req, res);
      const doc = deps.openapi.document(target.parts);
      if (!doc) throw errors.notFoundPath();
      return sendJson(res, 200, doc);
    }
    case 'resource':
      return handleResource(deps, req, res, target, query);
    case 'unknown':
      throw errors.notFoundPath();
  }
}

export function requestListener(deps: RoutesDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    const target = parseRequestPath(url.pathname);
    const open = target.kind === 'version' || target.kind === 'health';
    const work = open || authorized(req, deps.token) ? route(deps, req, res, target, url.searchParams) : Promise.reject(errors.unauthorized());
    work.catch((e: unknown) => {
      if (!(e instanceof Error && e.name === 'ApiError')) deps.logger.error('apiserver request failed', { method: req.method, url: req.url, error: String(e) });
      sendError(res, e);
    });
  };
}
