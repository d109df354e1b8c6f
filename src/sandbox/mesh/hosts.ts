/**
 * Host names as istiod reads them: Service FQDNs (`name.namespace.svc.cluster.local`) and the
 * wildcard match of Gateway server hosts against VirtualService hosts.
 */
export const CLUSTER_DOMAIN = 'cluster.local';
const SERVICE_SUFFIX = `.svc.${CLUSTER_DOMAIN}`;

/**
 * The FQDN a destination host names, relative to the namespace of the object that wrote it:
 * `echo` -> `echo.NS.svc.cluster.local`. Istio itself only expands a short name; this emulator
 * also accepts `name.namespace` and `name.namespace.svc` (what cluster DNS search paths resolve),
 * so hand-written objects behave as users expect.
 */
export function serviceFqdn(host: string, namespace: string): string {
  if (host.endsWith(SERVICE_SUFFIX)) return host;
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}${SERVICE_SUFFIX}`;
  if (parts.length === 2) return `${host}${SERVICE_SUFFIX}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.${CLUSTER_DOMAIN}`;
  return host;
}

/** {name, namespace} of a Service FQDN, undefined for any other host. */
export function serviceOfFqdn(fqdn: string): { name: string; namespace: string } | undefined {
  if (!fqdn.endsWith(SERVICE_SUFFIX)) return undefined;
  const parts = fqdn.slice(0, -SERVICE_SUFFIX.length).split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { name: parts[0], namespace: parts[1] };
}

/** Istio's host.Name.Matches: equal, or one side is a wildcard (`*`, `*.example.com`) covering the other. */
export function hostsMatch(a: string, b: string): boolean {
  if (a === b || a === '*' || b === '*') return true;
  return wildcardCovers(a, b) || wildcardCovers(b, a);
}

function wildcardCovers(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*')) return false;
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) || (host.startsWith('*') && host.slice(1).endsWith(suffix));
}

/**
 * pickMatchingGatewayHosts: a Gateway server host (`*`, `ns/*`, `ns/host`) admits a
 * VirtualService when one of the VirtualService's hosts matches it, in the namespace it names.
 */
export function serverAdmits(serverHosts: readonly string[], vsHosts: readonly string[], vsNamespace: string): boolean {
  return serverHosts.some((serverHost) => {
    const slash = serverHost.indexOf('/');
    if (slash >= 0) {
      const ns = serverHost.slice(0, slash);
      if (ns !== vsNamespace && ns !== '*') return false;
    }
    const pattern = slash >= 0 ? serverHost.slice(slash + 1) : serverHost;
    return vsHosts.some((h) => hostsMatch(pattern, h));
  });
}
