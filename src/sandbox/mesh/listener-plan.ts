import type { DestinationRule, Service } from '../../kube/index.js';
import { listenerPolicy, type ListenerPolicy } from './destination-policy.js';
import { gatewayApiServers } from './gateway-api-gateways.js';
import { gatewayServers, type GatewayServer } from './gateway-servers.js';
import { serverAdmits } from './hosts.js';
import type { MeshObjects } from './mesh-objects.js';
import { routeSources, type L4Match, type RouteDestination, type RouteSource, type TcpRule } from './route-sources.js';

/**
 * What istiod would give the ingress gateway's Envoy, computed from the objects: one listener per
 * TCP server port, each with the tcp_proxy of the first tcp route that fits it. The `key` of a
 * tcp_proxy is what makes a filter chain different: when it changes, Envoy replaces the chain and
 * drains the connections of the old one. It holds what Envoy's config holds (clusters, weights,
 * the VirtualService's name as stat prefix when weighted), never metadata such as annotations.
 */
export interface Cluster {
  /** Envoy's name: `outbound|9000|v1|echo.echo.svc.cluster.local`. */
  name: string;
  host: string;
  subset: string | undefined;
  port: number;
}

export interface WeightedCluster {
  cluster: Cluster;
  /** The weight as configured (a lone destination takes everything whatever its weight). */
  weight: number;
}

export interface TcpProxyConfig {
  /** Where it comes from: `VirtualService echo/echo` or `TCPRoute echo/echo`. */
  source: string;
  /** weighted_clusters (several destinations in the route, even if one is left), else a single cluster. */
  weighted: boolean;
  clusters: WeightedCluster[];
  /** The DestinationRule fields that leak into the tcp_proxy (destination-policy.ts); part of the key. */
  policy: ListenerPolicy;
  key: string;
}

export interface ListenerPlan {
  gatewayPort: number;
  servers: GatewayServer[];
  /** undefined: no route fits (connections are closed at once). */
  tcpProxy: TcpProxyConfig | undefined;
  /** Why a route that fits was not usable (istiod's webhook would have rejected it). */
  problem?: string;
}

/** l4MultiMatch: no match entries match everything; otherwise any entry whose port and gateways fit. */
function l4Matches(matches: readonly L4Match[], server: GatewayServer): boolean {
  if (matches.length === 0) return true;
  return matches.some((m) => (m.port === undefined || m.port === server.port) && (m.gateways.length === 0 || m.gateways.includes(server.gateway)));
}

/** The port of a destination's cluster: its own, else the Service's only port, else the listener's. */
function clusterPort(destination: RouteDestination, services: ReadonlyMap<string, Service>, listenerPort: number): number {
  if (destination.port !== undefined) return destination.port;
  const ports = services.get(destination.host)?.spec?.ports ?? [];
  return ports.length === 1 && ports[0] ? ports[0].port : listenerPort;
}

function clusterOf(destination: RouteDestination, services: ReadonlyMap<string, Service>, listenerPort: number): Cluster {
  const port = clusterPort(destination, services, listenerPort);
  return { name: `outbound|${port}|${destination.subset ?? ''}|${destination.host}`, host: destination.host, subset: destination.subset, port };
}

/** What a tcp_proxy is built from beside the route: Services by FQDN and the DestinationRules. */
export interface RouteContext {
  services: ReadonlyMap<string, Service>;
  destinationRules: readonly DestinationRule[];
}

/**
 * buildOutboundNetworkFilters: one destination is the cluster; several are weighted clusters
 * without the zero weights. The DestinationRule of the first destination's host adds its
 * listener fields (for a single destination, with its subset's overrides).
 */
export function tcpProxyFor(source: RouteSource, rule: TcpRule, context: RouteContext, listenerPort: number): { tcpProxy: TcpProxyConfig } | { problem: string } {
  const { services } = context;
  const { destinations } = rule;
  if (destinations.length === 0) return { problem: `${source.ref}: TCP route is required (no destination)` };
  const bad = destinations.find((d) => d.weight !== undefined && (!Number.isInteger(d.weight) || d.weight < 0));
  if (bad) return { problem: `${source.ref}: weight ${String(bad.weight)} of ${bad.host} is not an integer >= 0` };
  const first = destinations[0] as RouteDestination;
  if (destinations.length === 1) {
    const cluster = clusterOf(first, services, listenerPort);
    const policy = listenerPolicy(first.host, first.subset, context.destinationRules);
    return { tcpProxy: { source: source.ref, weighted: false, clusters: [{ cluster, weight: 1 }], policy, key: JSON.stringify(['cluster', cluster.name, policy]) } };
  }
  const clusters = destinations.filter((d) => (d.weight ?? 0) > 0).map((d) => ({ cluster: clusterOf(d, services, listenerPort), weight: d.weight ?? 0 }));
  if (clusters.length === 0) return { problem: `${source.ref}: every destination has weight 0` };
  const policy = listenerPolicy(first.host, undefined, context.destinationRules);
  const key = JSON.stringify(['weighted', source.ref, clusters.map((c) => [c.cluster.name, c.weight]), policy]);
  return { tcpProxy: { source: source.ref, weighted: true, clusters, policy, key } };
}

export function servicesByFqdn(services: readonly Service[]): Map<string, Service> {
  const map = new Map<string, Service>();
  for (const s of services) map.set(`${s.metadata.name ?? ''}.${s.metadata.namespace ?? 'default'}.svc.cluster.local`, s);
  return map;
}

/** buildGatewayNetworkFiltersFromTCPRoutes: the first rule, of the first source bound to the server's gateway whose hosts it admits, whose matches fit. */
function planFor(port: number, servers: GatewayServer[], sources: readonly RouteSource[], context: RouteContext): ListenerPlan {
  for (const server of servers) {
    for (const source of sources) {
      if (!source.gateways.includes(server.gateway) || !serverAdmits(server.hosts, source.hosts, source.namespace)) continue;
      const rule = source.rules.find((r) => l4Matches(r.matches, server));
      if (!rule) continue;
      const built = tcpProxyFor(source, rule, context, port);
      return 'tcpProxy' in built ? { gatewayPort: port, servers, tcpProxy: built.tcpProxy } : { gatewayPort: port, servers, tcpProxy: undefined, problem: built.problem };
    }
  }
  return { gatewayPort: port, servers, tcpProxy: undefined };
}

/** One plan per TCP server port of the Gateways that select a workload with these labels. */
export function planListeners(objects: MeshObjects, workloadLabels: Readonly<Record<string, string>>): ListenerPlan[] {
  // Istio Gateways, then the listeners of Gateway API Gateways (served on the same workload: see gateway-api-gateways.ts)
  const servers = [...gatewayServers(objects.gateways, workloadLabels), ...gatewayApiServers(objects.gatewayApiGateways ?? [], objects.gatewayClasses ?? [])];
  const sources = routeSources(objects.virtualServices, objects.tcpRoutes, servers);
  const context = { services: servicesByFqdn(objects.services), destinationRules: objects.destinationRules };
  const byPort = new Map<number, GatewayServer[]>();
  for (const s of servers) byPort.set(s.port, [...(byPort.get(s.port) ?? []), s]);
  return [...byPort].sort(([a], [b]) => a - b).map(([port, onPort]) => planFor(port, onPort, sources, context));
}
