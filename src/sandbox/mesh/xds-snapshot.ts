import { createHash } from 'node:crypto';
import type { Service } from '../../kube/index.js';
import { destinationRulesFor, localityDistribute } from './destination-policy.js';
import { clusterEndpoints } from './endpoints.js';
import { planListeners, type Cluster, type ListenerPlan } from './listener-plan.js';
import { buildLoadAssignment, type ClusterLoadAssignment } from './load-assignment.js';
import { arrayOf, isRecord, type MeshObjects } from './mesh-objects.js';

/**
 * What istiod would push to the gateway's Envoy, split as xDS splits it, each resource with a
 * content hash (an unchanged hash is no push: istiod's push and Envoy's config both dedupe):
 * - LDS: one listener per Gateway server port, its filter chain the tcp_proxy (listener-plan.ts);
 *   the chain's hash is its `key`;
 * - CDS: one cluster per Service port and per DestinationRule subset of its host
 *   (`outbound|PORT|SUBSET|HOST`), with `locality_weighted_lb_config` set when its effective
 *   `localityLbSetting` has `distribute` (pilot/pkg/networking/core/loadbalancer/loadbalancer.go
 *   `LocalityLBSettings.ApplyToCluster`, since Istio 1.24; ENABLE_LOCALITY_WEIGHTED_LB_CONFIG off);
 * - EDS: per cluster, its ClusterLoadAssignment (load-assignment.ts).
 */
export interface ClusterResource {
  cluster: Cluster;
  localityWeighted: boolean;
  hash: string;
}

export interface EndpointResource {
  assignment: ClusterLoadAssignment;
  hash: string;
}

export interface XdsSnapshot {
  listeners: ListenerPlan[];
  clusters: Map<string, ClusterResource>;
  endpoints: Map<string, EndpointResource>;
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

function serviceClusters(service: Service, objects: MeshObjects): Cluster[] {
  const host = `${service.metadata.name ?? ''}.${service.metadata.namespace ?? 'default'}.svc.cluster.local`;
  const subsets = new Set<string>();
  for (const rule of destinationRulesFor(host, objects.destinationRules)) {
    for (const s of arrayOf(rule.spec?.subsets)) if (isRecord(s) && typeof s.name === 'string') subsets.add(s.name);
  }
  return (service.spec?.ports ?? []).flatMap((p) =>
    [undefined, ...subsets].map((subset) => ({ name: `outbound|${p.port}|${subset ?? ''}|${host}`, host, subset, port: p.port })),
  );
}

export function buildXdsSnapshot(objects: MeshObjects, workloadLabels: Readonly<Record<string, string>>, gatewayLocality: string): XdsSnapshot {
  const clusters = new Map<string, ClusterResource>();
  const endpoints = new Map<string, EndpointResource>();
  for (const cluster of objects.services.flatMap((s) => serviceClusters(s, objects))) {
    const distribute = localityDistribute(cluster.host, cluster.subset, cluster.port, objects.destinationRules);
    const localityWeighted = distribute !== undefined;
    clusters.set(cluster.name, { cluster, localityWeighted, hash: contentHash([cluster, localityWeighted]) });
    const assignment = buildLoadAssignment(cluster.name, clusterEndpoints(cluster, objects), gatewayLocality, distribute);
    endpoints.set(cluster.name, { assignment, hash: contentHash(assignment) });
  }
  return { listeners: planListeners(objects, workloadLabels), clusters, endpoints };
}
