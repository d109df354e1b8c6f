import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import { RoutingError } from '../spec/routing-error.js';
import { formatPath } from '../spec/issues.js';
import { isPlainObject } from '../spec/strict-object.js';
import type { WeightedList } from '../spec/weighted-route.js';
import { pointer } from '../util/json-patch.js';
import { MESH_GATEWAY, qualifyGateway } from './gateway-refs.js';
import { resolveHost } from './hosts.js';
import type { L4Match, RouteDestination, TcpRoute, VirtualService } from './types.js';

/** How the owned tcp route is recognised: its match port, and its gateways when the spec names them. */
export interface TcpRouteSelector {
  matchPort: number;
  gateways?: readonly string[] | undefined;
}

function describeVs(vs: VirtualService): string {
  return `VirtualService ${vs.metadata.namespace ?? 'default'}/${vs.metadata.name}`;
}

/** A match's gateways, defaulting to the VirtualService's, then to mesh; namespace-qualified. */
function effectiveGateways(match: L4Match, vs: VirtualService): string[] {
  const namespace = vs.metadata.namespace ?? 'default';
  const own = match.gateways?.length ? match.gateways : vs.spec.gateways?.length ? vs.spec.gateways : [MESH_GATEWAY];
  return own.map((g) => qualifyGateway(g, namespace));
}

/** The match entries of a tcp route that are objects (tolerating a malformed route). */
function matchesOf(route: TcpRoute): L4Match[] {
  return Array.isArray(route.match) ? route.match.filter(isPlainObject) : [];
}

function matchesSelector(route: TcpRoute, vs: VirtualService, selector: TcpRouteSelector): boolean {
  const wanted = selector.gateways?.map((g) => qualifyGateway(g, vs.metadata.namespace ?? 'default'));
  return matchesOf(route).some(
    (m) => m.port === selector.matchPort && (!wanted || effectiveGateways(m, vs).some((g) => wanted.includes(g))),
  );
}

function tcpRoutes(vs: VirtualService): TcpRoute[] {
  const tcp: unknown = vs.spec?.tcp;
  if (tcp === undefined) return [];
  if (!Array.isArray(tcp)) throw new RoutingError(`${describeVs(vs)}: tcp must be a list`, 'spec.tcp');
  return tcp as TcpRoute[];
}

function portsOf(route: TcpRoute): string {
  const ports = (isPlainObject(route) ? matchesOf(route) : []).map((m) => (m.port === undefined ? 'any' : String(m.port)));
  return ports.length > 0 ? ports.join('/') : 'any';
}

/**
 * Index of the tcp route tcpshift owns: the one with a match on `matchPort` (and, when given, on
 * one of `gateways`). A clear RoutingError when there is none or more than one.
 */
export function findOwnedTcpRoute(vs: VirtualService, selector: TcpRouteSelector): number {
  const routes = tcpRoutes(vs);
  const owned = routes.flatMap((route, i) => (isPlainObject(route) && matchesSelector(route, vs, selector) ? [i] : []));
  const wanted = `port ${selector.matchPort}${selector.gateways ? ` and gateways ${selector.gateways.join(', ')}` : ''}`;
  if (owned.length === 0) {
    const seen = routes.map((r, i) => `spec.tcp[${i}] matches port ${portsOf(r)}`).join('; ');
    throw new RoutingError(`${describeVs(vs)} has no tcp route matching ${wanted}${seen ? ` (${seen})` : ' (it has no tcp routes)'}`, 'spec.tcp');
  }
  if (owned.length > 1) {
    const list = owned.map((i) => `spec.tcp[${i}]`).join(', ');
    throw new RoutingError(
      `${describeVs(vs)} has ${owned.length} tcp routes matching ${wanted} (${list}); name the gateways in spec.target.gateways to pick one`,
      'spec.tcp',
    );
  }
  return owned[0]!;
}

function roleIndex(route: RouteDestination[], vs: VirtualService, spec: ResolvedIstioSpec, subset: string, path: string): number | undefined {
  // Hosts compare as istiod resolves them (src/istio/hosts.ts): a short name is the Service of the
  // VirtualService's namespace; a name of another namespace is never the same host.
  const namespace = vs.metadata.namespace ?? 'default';
  const wanted = resolveHost(spec.target.host, namespace);
  const found = route.flatMap((d, i) =>
    d?.destination?.subset === subset && typeof d.destination.host === 'string' && resolveHost(d.destination.host, namespace) === wanted ? [i] : [],
  );
  if (found.length > 1) throw new RoutingError(`subset ${subset} of ${spec.target.host} appears ${found.length} times`, path);
  return found[0];
}

/** Effective weights: a single destination takes all traffic; otherwise an absent weight is 0. */
function effectiveWeights(route: RouteDestination[]): number[] {
  if (route.length === 1) return [100];
  return route.map((d) => (typeof d?.weight === 'number' ? d.weight : 0));
}

/**
 * The owned route of `vs` as a WeightedList: where the stable and canary destinations are. Other
 * destinations may only stay if they carry no traffic (weight 0), else tcpshift would not control
 * the split.
 */
export function ownedIstioRoute(vs: VirtualService, spec: ResolvedIstioSpec): WeightedList {
  const index = findOwnedTcpRoute(vs, { matchPort: spec.target.matchPort, gateways: spec.target.gateways });
  const path = formatPath(['spec', 'tcp', index, 'route']);
  const route: unknown = tcpRoutes(vs)[index]?.route;
  if (!Array.isArray(route) || route.length === 0) throw new RoutingError('TCP route is required', path);
  const destinations = route as RouteDestination[];
  const stableIndex = roleIndex(destinations, vs, spec, spec.stable.subset, path);
  const canaryIndex = roleIndex(destinations, vs, spec, spec.canary.subset, path);
  if (stableIndex === undefined && canaryIndex === undefined) {
    const host = resolveHost(spec.target.host, vs.metadata.namespace ?? 'default');
    throw new RoutingError(
      `routes to neither subset ${spec.stable.subset} nor ${spec.canary.subset} of ${host} (spec.target.host; hosts compare as Istio resolves them: a short name is a Service of the VirtualService's namespace, another namespace is another host)`,
      path,
    );
  }
  const weights = effectiveWeights(destinations);
  const foreign = destinations.flatMap((d, i) => (i !== stableIndex && i !== canaryIndex && (weights[i] ?? 0) > 0 ? [i] : []));
  if (foreign.length > 0) {
    const names = foreign.map((i) => `${path}[${i}] (${destinations[i]?.destination?.host}/${destinations[i]?.destination?.subset ?? '-'})`);
    throw new RoutingError(`destinations other than the stable and canary subsets carry traffic: ${names.join(', ')}`, path);
  }
  return { pointer: pointer('spec', 'tcp', index, 'route'), path, entries: destinations, weights, stableIndex, canaryIndex };
}

/**
 * The gateways (namespace-qualified, or `mesh`) the owned tcp route's matches on `matchPort`
 * bind it to, restricted to spec.target.gateways when given: what the pre-flight checks exist.
 */
export function ownedRouteGateways(vs: VirtualService, spec: ResolvedIstioSpec): string[] {
  const namespace = vs.metadata.namespace ?? 'default';
  const route = tcpRoutes(vs)[findOwnedTcpRoute(vs, { matchPort: spec.target.matchPort, gateways: spec.target.gateways })];
  const wanted = spec.target.gateways?.map((g) => qualifyGateway(g, namespace));
  const bound = (route ? matchesOf(route) : []).filter((m) => m.port === spec.target.matchPort).flatMap((m) => effectiveGateways(m, vs));
  return [...new Set(bound.filter((g) => !wanted || wanted.includes(g)))];
}
