import type { VirtualService } from '../../src/istio/types.js';

/**
 * What a set of Istio objects means for TCP connections arriving on one gateway port, without
 * names of servers, labels, annotations or the order of destinations: the gateway servers on that
 * port, the VirtualService's hosts and gateways, each destination's share of new connections
 * (weight / sum; a single destination takes everything) and the pods each subset selects.
 */
type Obj = { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };

interface Meaning {
  gateways: Array<{ name: string; selector: unknown; protocol: unknown; hosts: unknown }>;
  virtualService: { hosts: unknown; gateways: unknown; shares: Array<{ host: string; subset?: string; port?: number; share: number }> };
  subsets: Record<string, unknown>;
  destinationHost: unknown;
}

function gatewayMeaning(objects: Obj[], port: number): Meaning['gateways'] {
  return objects
    .filter((o) => o.kind === 'Gateway')
    .flatMap((g) =>
      ((g.spec?.servers ?? []) as Array<{ port: { number: number; protocol: string }; hosts: string[] }>)
        .filter((s) => s.port.number === port)
        .map((s) => ({ name: g.metadata?.name ?? '', selector: g.spec?.selector, protocol: s.port.protocol, hosts: s.hosts })),
    );
}

function sharesOf(vs: VirtualService, port: number): Meaning['virtualService']['shares'] {
  const route = (vs.spec.tcp ?? []).find((r) => (r.match ?? []).some((m) => m.port === port))?.route ?? [];
  const weights = route.length === 1 ? [1] : route.map((d) => d.weight ?? 0);
  const total = weights.reduce((a, b) => a + b, 0);
  return route
    .map((d, i) => ({ host: d.destination.host, subset: d.destination.subset, port: d.destination.port?.number, share: (weights[i] ?? 0) / total }))
    .sort((a, b) => String(a.subset).localeCompare(String(b.subset)));
}

export function routingMeaning(objects: unknown[], port: number): Meaning {
  const all = objects as Obj[];
  const vs = all.find((o) => o.kind === 'VirtualService') as VirtualService;
  const dr = all.find((o) => o.kind === 'DestinationRule');
  const subsets = (dr?.spec?.subsets ?? []) as Array<{ name: string; labels: unknown }>;
  return {
    gateways: gatewayMeaning(all, port),
    virtualService: { hosts: vs.spec.hosts, gateways: vs.spec.gateways, shares: sharesOf(vs, port) },
    subsets: Object.fromEntries(subsets.map((s) => [s.name, s.labels])),
    destinationHost: dr?.spec?.host,
  };
}
