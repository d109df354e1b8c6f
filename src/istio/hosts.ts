/**
 * Host names as istiod reads them. Sources (istio/istio):
 * - pilot/pkg/model/config.go `ResolveShortnameToFQDN`: a host without a dot gets
 *   `.<namespace of the object>.svc.<domain>`; any host with a dot is taken as written (so
 *   `echo.echo` is NOT `echo.echo.svc.cluster.local`), `*` and IP addresses stay.
 * - pkg/config/host/name.go `Name.Matches`: equal, or a wildcard (`*`, `*.example.com`) covers
 *   the other side.
 * - pilot/pkg/networking/core/gateway.go `pickMatchingGatewayHosts` with
 *   pilot/pkg/model/virtualservice.go: a Gateway server host `ns/host` admits VirtualServices of
 *   namespace `ns` (`*` any, `.` the Gateway's own) whose hosts match `host`.
 */
export const CLUSTER_DOMAIN = 'cluster.local';
const SERVICE_SUFFIX = `.svc.${CLUSTER_DOMAIN}`;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Istio's ResolveShortnameToFQDN: `echo` in namespace NS -> `echo.NS.svc.cluster.local`; a dotted host as written. */
export function resolveHost(host: string, namespace: string): string {
  if (host === '' || host === '*' || host.includes(':') || IPV4.test(host) || host.includes('.')) return host;
  return `${host}.${namespace}${SERVICE_SUFFIX}`;
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
 * pickMatchingGatewayHosts: a Gateway server host (`*`, `ns/*`, `./host`, `ns/host`) admits a
 * VirtualService when one of the VirtualService's hosts matches it, in the namespace it names
 * (`.` is the Gateway's own namespace).
 */
export function serverAdmits(serverHosts: readonly string[], vsHosts: readonly string[], vsNamespace: string, gatewayNamespace?: string): boolean {
  return serverHosts.some((serverHost) => {
    const slash = serverHost.indexOf('/');
    if (slash >= 0) {
      const raw = serverHost.slice(0, slash);
      const ns = raw === '.' && gatewayNamespace !== undefined ? gatewayNamespace : raw;
      if (ns !== vsNamespace && ns !== '*') return false;
    }
    const pattern = slash >= 0 ? serverHost.slice(slash + 1) : serverHost;
    return vsHosts.some((h) => hostsMatch(pattern, h));
  });
}
