import type { TCPRoute, VirtualService } from '../../kube/index.js';
import type { GatewayServer } from './gateway-servers.js';
import { creationOrder } from './gateway-servers.js';
import { serviceFqdn } from './hosts.js';
import { arrayOf, isRecord, refOf } from './mesh-objects.js';

/**
 * VirtualServices and Gateway API TCPRoutes in one form, as istiod sees them once it has
 * converted each TCPRoute into a VirtualService: the gateways they bind to, their hosts and their
 * tcp rules (matches and weighted destinations), in istiod's order (oldest first).
 */
export interface L4Match {
  /** undefined: any port. */
  port: number | undefined;
  /** Namespace-qualified; empty: any gateway the source is bound to. */
  gateways: string[];
}

export interface RouteDestination {
  /** Resolved FQDN (`echo.echo.svc.cluster.local`), or the host as written when it is not a Service. */
  host: string;
  subset: string | undefined;
  /** The Service port; undefined when not given. */
  port: number | undefined;
  /** As written, before Envoy's rules (undefined: absent). */
  weight: number | undefined;
}

export interface TcpRule {
  matches: L4Match[];
  destinations: RouteDestination[];
}

export interface RouteSource {
  /** `VirtualService ns/name` or `TCPRoute ns/name`. */
  ref: string;
  namespace: string;
  gateways: string[];
  hosts: string[];
  rules: TcpRule[];
}

const MESH = 'mesh';

function qualify(gateway: string, namespace: string): string {
  return gateway === MESH || gateway.includes('/') ? gateway : `${namespace}/${gateway}`;
}

const strings = (value: unknown): string[] => arrayOf(value).filter((v): v is string => typeof v === 'string');
const numberOrUndefined = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

function vsMatch(raw: unknown, namespace: string): L4Match | undefined {
  if (!isRecord(raw)) return undefined;
  return { port: numberOrUndefined(raw.port), gateways: strings(raw.gateways).map((g) => qualify(g, namespace)) };
}

function vsDestination(raw: unknown, namespace: string): RouteDestination | undefined {
  if (!isRecord(raw) || !isRecord(raw.destination) || typeof raw.destination.host !== 'string') return undefined;
  const d = raw.destination;
  return {
    host: serviceFqdn(d.host as string, namespace),
    subset: typeof d.subset === 'string' ? d.subset : undefined,
    port: isRecord(d.port) ? numberOrUndefined(d.port.number) : undefined,
    weight: numberOrUndefined(raw.weight),
  };
}

export function virtualServiceSource(vs: VirtualService): RouteSource {
  const namespace = vs.metadata.namespace ?? 'default';
  const rules = arrayOf(vs.spec?.tcp)
    .filter(isRecord)
    .map((tcp) => ({
      matches: arrayOf(tcp.match).flatMap((m) => vsMatch(m, namespace) ?? []),
      destinations: arrayOf(tcp.route).flatMap((r) => vsDestination(r, namespace) ?? []),
    }));
  const gateways = strings(vs.spec?.gateways);
  return {
    ref: `VirtualService ${refOf(vs)}`,
    namespace,
    gateways: (gateways.length > 0 ? gateways : [MESH]).map((g) => qualify(g, namespace)),
    hosts: strings(vs.spec?.hosts),
    rules,
  };
}

/**
 * A TCPRoute's parentRefs (a Gateway, optionally a listener by `sectionName` and a `port`). A
 * Gateway API Gateway of that name is the parent as istiod resolves it (route_collections.go,
 * `BuildRouteParents`/`parentInfo`): each of its listeners that fits, allows TCPRoute and the
 * route's namespace. Without one, the name is resolved against the Istio Gateways (the sandbox's
 * stand-in from before the Gateway API CRDs were installed): `sectionName` is a server's name,
 * else its port name.
 */
function attachedMatches(route: TCPRoute, servers: readonly GatewayServer[]): L4Match[] {
  const namespace = route.metadata.namespace ?? 'default';
  const admits = (s: GatewayServer): boolean =>
    !s.parent || (s.parent.kinds.includes('TCPRoute') && (s.parent.routeNamespaces === 'All' || (s.parent.routeNamespaces === 'Same' && s.parent.ref.startsWith(`${namespace}/`))));
  return arrayOf(route.spec?.parentRefs)
    .filter(isRecord)
    .filter((p) => (p.group ?? 'gateway.networking.k8s.io') === 'gateway.networking.k8s.io' && (p.kind ?? 'Gateway') === 'Gateway')
    .flatMap((p) => {
      const gateway = `${typeof p.namespace === 'string' ? p.namespace : namespace}/${String(p.name)}`;
      const listeners = servers.filter((s) => s.parent?.ref === gateway);
      return (listeners.length > 0 ? listeners : servers.filter((s) => !s.parent && s.gateway === gateway))
        .filter((s) => (p.sectionName === undefined || s.sectionName === p.sectionName) && (p.port === undefined || s.port === p.port))
        .filter(admits)
        .map((s) => ({ port: s.port, gateways: [s.gateway] }));
    });
}

/** A backendRef becomes a destination on its Service; a backend that is not a Service gets a host no Service has. */
function backendDestination(raw: unknown, namespace: string): RouteDestination | undefined {
  if (!isRecord(raw) || typeof raw.name !== 'string') return undefined;
  const isService = (raw.group ?? '') === '' && (raw.kind ?? 'Service') === 'Service';
  const ns = typeof raw.namespace === 'string' ? raw.namespace : namespace;
  return {
    host: isService ? serviceFqdn(raw.name, ns) : `${String(raw.kind)}.${raw.name}.invalid`,
    subset: undefined,
    port: numberOrUndefined(raw.port),
    // Gateway API: an absent weight is 1.
    weight: numberOrUndefined(raw.weight) ?? 1,
  };
}

/** Istio's conversion of a TCPRoute into a VirtualService bound to the parents it attaches to; undefined when it attaches to none. */
export function tcpRouteSource(route: TCPRoute, servers: readonly GatewayServer[]): RouteSource | undefined {
  const matches = attachedMatches(route, servers);
  if (matches.length === 0) return undefined;
  const namespace = route.metadata.namespace ?? 'default';
  return {
    ref: `TCPRoute ${refOf(route)}`,
    namespace,
    gateways: [...new Set(matches.flatMap((m) => m.gateways))],
    hosts: ['*'],
    rules: arrayOf(route.spec?.rules)
      .filter(isRecord)
      .map((rule) => ({ matches, destinations: arrayOf(rule.backendRefs).flatMap((b) => backendDestination(b, namespace) ?? []) })),
  };
}

/**
 * Every route source, in istiod's order: creation time, then name, then namespace (objects being
 * deleted still count until they are gone, as in istiod's cache).
 */
export function routeSources(virtualServices: readonly VirtualService[], tcpRoutes: readonly TCPRoute[], servers: readonly GatewayServer[]): RouteSource[] {
  const entries: Array<{ object: VirtualService | TCPRoute; source: RouteSource }> = [
    ...virtualServices.map((vs) => ({ object: vs, source: virtualServiceSource(vs) })),
    ...tcpRoutes.flatMap((r) => {
      const source = tcpRouteSource(r, servers);
      return source ? [{ object: r, source }] : [];
    }),
  ];
  return entries.sort((a, b) => creationOrder(a.object, b.object)).map((e) => e.source);
}
