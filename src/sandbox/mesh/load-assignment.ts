import type { LocalityDistribute } from './destination-policy.js';
import type { Endpoint } from './endpoints.js';
import { localityMatch } from '../../istio/locality.js';

/**
 * EDS: a cluster's ClusterLoadAssignment as istiod's EDS builder makes it
 * (pilot/pkg/xds/endpoints/endpoint_builder.go `BuildClusterLoadAssignment`): endpoints grouped
 * by locality into LocalityLbEndpoints whose `load_balancing_weight` is the sum of their
 * endpoints' weights (1 each here), then `localityLbSetting.distribute` applied for the gateway's
 * own locality (pilot/pkg/networking/core/loadbalancer/loadbalancer.go `ApplyLocalityLoadBalancer`
 * -> `applyLocalityWeights`).
 */
export interface LocalityLbEndpoints {
  /** `region/zone/subzone`; '' for endpoints without a locality. */
  locality: string;
  /** `load_balancing_weight`. */
  weight: number;
  endpoints: Endpoint[];
}

export interface ClusterLoadAssignment {
  cluster: string;
  localities: LocalityLbEndpoints[];
}

/** One group per locality, weight = endpoint count, in locality order (endpoints keep their order). */
export function groupByLocality(endpoints: readonly Endpoint[]): LocalityLbEndpoints[] {
  const groups = new Map<string, Endpoint[]>();
  for (const e of endpoints) groups.set(e.locality, [...(groups.get(e.locality) ?? []), e]);
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([locality, members]) => ({ locality, weight: members.length, endpoints: members }));
}

/**
 * `applyLocalityWeights`: the first `distribute` entry whose `from` matches the gateway's locality
 * applies. Each `to` pattern takes the groups it matches (not yet taken) and shares its percentage
 * among them in proportion to their weights, rounded up; a group no `to` matches keeps its weight
 * but loses its endpoints (LbEndpoints = nil), so it can never be picked. No matching entry: unchanged.
 */
export function applyLocalityWeights(gatewayLocality: string, localities: readonly LocalityLbEndpoints[], distribute: readonly LocalityDistribute[]): LocalityLbEndpoints[] {
  const rule = distribute.find((d) => localityMatch(gatewayLocality, d.from));
  if (!rule) return [...localities];
  const out = localities.map((l) => ({ ...l }));
  const unmatched = new Set(out.keys());
  for (const [pattern, percent] of Object.entries(rule.to)) {
    const matched = [...unmatched].filter((i) => localityMatch((out[i] as LocalityLbEndpoints).locality, pattern));
    const total = matched.reduce((sum, i) => sum + (out[i] as LocalityLbEndpoints).weight, 0);
    for (const i of matched) {
      unmatched.delete(i);
      const group = out[i] as LocalityLbEndpoints;
      const share = (group.weight * percent) / total;
      if (share > 0) group.weight = Math.ceil(share);
    }
  }
  for (const i of unmatched) (out[i] as LocalityLbEndpoints).endpoints = [];
  return out;
}

export function buildLoadAssignment(cluster: string, endpoints: readonly Endpoint[], gatewayLocality: string, distribute: readonly LocalityDistribute[] | undefined): ClusterLoadAssignment {
  const grouped = groupByLocality(endpoints);
  return { cluster, localities: distribute ? applyLocalityWeights(gatewayLocality, grouped, distribute) : grouped };
}

/** The endpoints a new connection may reach (listed localities only). */
export function assignedEndpoints(assignment: ClusterLoadAssignment | undefined): Endpoint[] {
  return assignment?.localities.flatMap((l) => l.endpoints) ?? [];
}

/** Envoy identifies hosts by address: the set a load assignment holds. */
export function hostSet(assignment: ClusterLoadAssignment | undefined): Set<string> {
  return new Set(assignedEndpoints(assignment).map((e) => `${e.address}:${e.port}`));
}
