import type { DestinationRule } from '../../kube/index.js';
import { creationOrder } from './gateway-servers.js';
import { serviceFqdn } from './hosts.js';
import { arrayOf, isRecord } from './mesh-objects.js';

/**
 * What a DestinationRule contributes to the gateway's xDS beside subsets: the tcp_proxy fields
 * that leak into the listener (LDS), and the locality load-balancer setting of a cluster
 * (CDS/EDS). Several rules for one host: the oldest one's traffic policy (istiod merges rules of
 * one host and keeps the first one's top-level policy).
 */
type Json = Record<string, unknown>;

/** The DestinationRules whose host is this FQDN, oldest first. */
export function destinationRulesFor(host: string, rules: readonly DestinationRule[]): DestinationRule[] {
  return [...rules].sort(creationOrder).filter((r) => typeof r.spec?.host === 'string' && serviceFqdn(r.spec.host, r.metadata.namespace ?? 'default') === host);
}

const record = (value: unknown): Json | undefined => (isRecord(value) ? value : undefined);

function subsetPolicy(spec: Json, subset: string | undefined): Json | undefined {
  if (subset === undefined) return undefined;
  const found = arrayOf(spec.subsets).find((s) => isRecord(s) && s.name === subset);
  return record(record(found)?.trafficPolicy);
}

/**
 * The tcp_proxy fields istiod takes from the DestinationRule of the route's (first) host
 * (pilot/pkg/networking/core/networkfilter.go `buildOutboundNetworkFiltersWithSingleDestination`,
 * `...WithWeightedClusters`, `maybeSetHashPolicy`, tunnelingconfig `Apply`): the top-level
 * `connectionPool.tcp.idleTimeout` and `maxConnectionDuration`, `consistentHash.useSourceIp`
 * (a subset's own load balancer overrides it; weighted clusters read the top level only) and
 * `tunnel` (the subset's for a single destination). Editing any of them changes the filter chain.
 */
export interface ListenerPolicy {
  idleTimeout?: unknown;
  maxConnectionDuration?: unknown;
  hashSourceIp: boolean;
  tunnel?: unknown;
}

function useSourceIp(top: Json | undefined, subset: Json | undefined): boolean {
  const subsetLb = record(subset?.loadBalancer);
  const lb = subsetLb ?? record(top?.loadBalancer);
  return record(lb?.consistentHash)?.useSourceIp === true;
}

export function listenerPolicy(host: string, subset: string | undefined, rules: readonly DestinationRule[]): ListenerPolicy {
  const spec = record(destinationRulesFor(host, rules)[0]?.spec);
  if (!spec) return { hashSourceIp: false };
  const top = record(spec.trafficPolicy);
  const tcp = record(record(top?.connectionPool)?.tcp);
  const own = subsetPolicy(spec, subset);
  const tunnel = own?.tunnel ?? top?.tunnel;
  return {
    ...(tcp?.idleTimeout !== undefined ? { idleTimeout: tcp.idleTimeout } : {}),
    ...(tcp?.maxConnectionDuration !== undefined ? { maxConnectionDuration: tcp.maxConnectionDuration } : {}),
    hashSourceIp: useSourceIp(top, own),
    ...(tunnel !== undefined ? { tunnel } : {}),
  };
}

/** One `distribute` entry: from a locality (pattern) to locality (pattern) -> percentage. */
export interface LocalityDistribute {
  from: string;
  to: Record<string, number>;
}

function portLevelLoadBalancer(policy: Json | undefined, port: number): Json | undefined {
  const entry = arrayOf(policy?.portLevelSettings).find((p) => isRecord(p) && isRecord(p.port) && p.port.number === port);
  return record(record(entry)?.loadBalancer);
}

/**
 * The effective load balancer settings of a cluster, as pilot/pkg/xds/endpoints/endpoint_builder.go
 * `getOutlierDetectionAndLoadBalancerSettings` merges them (util `MergeSubsetTrafficPolicy`): the
 * subset's (port level first), else the top level's (port level first).
 */
function loadBalancerOf(spec: Json, subset: string | undefined, port: number): Json | undefined {
  const top = record(spec.trafficPolicy);
  const own = subsetPolicy(spec, subset);
  return portLevelLoadBalancer(own, port) ?? record(own?.loadBalancer) ?? portLevelLoadBalancer(top, port) ?? record(top?.loadBalancer);
}

/**
 * `localityLbSetting.distribute` of a cluster, or undefined when there is none or locality load
 * balancing is off (`enabled: false`) or replaced by `zoneAwareLbSetting`
 * (pilot/pkg/networking/core/loadbalancer `GetEffectiveLbSetting`).
 */
export function localityDistribute(host: string, subset: string | undefined, port: number, rules: readonly DestinationRule[]): LocalityDistribute[] | undefined {
  const spec = record(destinationRulesFor(host, rules)[0]?.spec);
  const lb = spec && loadBalancerOf(spec, subset, port);
  if (!lb || lb.zoneAwareLbSetting !== undefined) return undefined;
  const setting = record(lb.localityLbSetting);
  if (!setting || setting.enabled === false) return undefined;
  const distribute = arrayOf(setting.distribute)
    .filter(isRecord)
    .map((d) => ({ from: typeof d.from === 'string' ? d.from : '', to: toWeights(d.to) }));
  return distribute.length > 0 ? distribute : undefined;
}

function toWeights(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(record(value) ?? {})) if (typeof v === 'number') out[k] = v;
  return out;
}
