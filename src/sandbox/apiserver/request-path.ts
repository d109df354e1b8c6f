/**
 * What a request path addresses, after k8s.io/apiserver's RequestInfo: discovery documents,
 * /version, health, OpenAPI, or a resource (`/api/v1/namespaces/echo/pods/p/status`,
 * `/apis/networking.istio.io/v1/virtualservices`, and the legacy `/watch/` prefix).
 */
export type RequestTarget =
  | { kind: 'version' }
  | { kind: 'health' }
  | { kind: 'openapi'; parts: string[] }
  | { kind: 'root'; which: 'api' | 'apis' }
  | { kind: 'group'; group: string }
  | { kind: 'groupVersion'; group: string; version: string }
  | { kind: 'resource'; group: string; version: string; namespace?: string; plural: string; name?: string; subresource?: string; watchPrefix: boolean }
  | { kind: 'unknown' };

const namespaceSubresources = new Set(['status', 'finalize']);

function resourceTarget(group: string, version: string, rest: string[]): RequestTarget {
  let parts = rest;
  const watchPrefix = parts[0] === 'watch';
  if (watchPrefix) parts = parts.slice(1);
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length >= 3 && !namespaceSubresources.has(parts[2] as string)) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  if (parts.length === 0 || parts.length > 3) return { kind: 'unknown' };
  const [plural, name, subresource] = parts as [string, string | undefined, string | undefined];
  return {
    kind: 'resource',
    group,
    version,
    plural,
    watchPrefix,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

export function parseRequestPath(pathname: string): RequestTarget {
  const parts = pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  const [first, second, third] = parts;
  if (first === 'version' && parts.length === 1) return { kind: 'version' };
  if (first === 'healthz' || first === 'readyz' || first === 'livez') return { kind: 'health' };
  if (first === 'openapi') return { kind: 'openapi', parts: parts.slice(1) };
  if (first === 'api') {
    if (second === undefined) return { kind: 'root', which: 'api' };
    if (parts.length === 2) return { kind: 'groupVersion', group: '', version: second };
    return resourceTarget('', second, parts.slice(2));
  }
  if (first === 'apis') {
    if (second === undefined) return { kind: 'root', which: 'apis' };
    if (third === undefined) return { kind: 'group', group: second };
    if (parts.length === 3) return { kind: 'groupVersion', group: second, version: third };
    return resourceTarget(second, third, parts.slice(3));
  }
  return { kind: 'unknown' };
}
