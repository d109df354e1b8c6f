/**
 * Host names as istiod reads them: Service FQDNs (`name.namespace.svc.cluster.local`) and the
 * wildcard match of Gateway server hosts against VirtualService hosts.
 */
import { CLUSTER_DOMAIN } from '../../istio/hosts.js';

export { CLUSTER_DOMAIN };
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

export { hostsMatch, serverAdmits, serviceOfFqdn } from '../../istio/hosts.js';
