import type { DestinationRule, Pod, Service } from '../../kube/index.js';
import { PORTS_ANNOTATION } from '../pods/pod-manifest.js';
import { destinationRulesFor } from './destination-policy.js';
import { serviceOfFqdn } from './hosts.js';
import type { Cluster } from './listener-plan.js';
import { podLocality } from '../../istio/locality.js';
import { arrayOf, isRecord, labelsMatch, type MeshObjects } from './mesh-objects.js';

/**
 * The endpoints of a cluster, as EDS would give them: the Service's selector plus the subset's
 * labels (from the DestinationRule for the host), pods Ready and not terminating, each at its
 * podIP and the Service port's targetPort (absent: the port; a number is used as is, declared
 * or not; a name is looked up among the pod's container ports, per pod, and a pod without it is
 * no endpoint: the EndpointSlice controller's `podutil.FindPort`, pkg/api/v1/pod/util.go).
 * The sandbox's pods all share 127.0.0.1, so the resolved container port is then translated to
 * the loopback port the kubelet bound for it (PORTS_ANNOTATION); a pod that does not listen on
 * that port is left out (on a cluster it would be an endpoint that refuses: the gateway closes
 * the client's connection either way). A pod without the annotation is dialled at the port itself.
 */
export interface Endpoint {
  pod: string;
  namespace: string;
  labels: Record<string, string>;
  address: string;
  port: number;
  /** `region/zone/subzone` from the pod's `topology.istio.io/locality` label (locality.ts); '' without one. */
  locality: string;
}

/** The labels a subset adds to the Service selector; undefined when no DestinationRule defines it. */
export function subsetLabels(host: string, subset: string, rules: readonly DestinationRule[]): Record<string, string> | undefined {
  for (const rule of destinationRulesFor(host, rules)) {
    const found = arrayOf(rule.spec?.subsets).find((s) => isRecord(s) && s.name === subset);
    if (found && isRecord(found)) return isRecord(found.labels) ? (found.labels as Record<string, string>) : {};
  }
  return undefined;
}

export function isServing(pod: Pod): boolean {
  if (pod.metadata.deletionTimestamp || !pod.status?.podIP || pod.status.phase !== 'Running') return false;
  return (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A targetPort number, or the containerPort named so in the pod; undefined when the pod has no such port. */
export function resolveTargetPort(targetPort: number | string, pod: Pod): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  for (const container of pod.spec?.containers ?? []) {
    for (const p of arrayOf(container.ports)) {
      if (isRecord(p) && p.name === targetPort && typeof p.containerPort === 'number') return p.containerPort;
    }
  }
  return undefined;
}

/** Where a container port of the pod is reachable on loopback. */
export function loopbackPort(pod: Pod, containerPort: number): number | undefined {
  const text = pod.metadata.annotations?.[PORTS_ANNOTATION];
  if (text === undefined) return containerPort;
  try {
    const ports = JSON.parse(text) as Record<string, unknown>;
    const port = ports[String(containerPort)];
    return typeof port === 'number' ? port : undefined;
  } catch {
    return undefined;
  }
}

function servicePort(service: Service, port: number): { targetPort: number | string } | undefined {
  const found = (service.spec?.ports ?? []).find((p) => p.port === port);
  return found ? { targetPort: found.targetPort ?? found.port } : undefined;
}

export function clusterEndpoints(cluster: Cluster, objects: Pick<MeshObjects, 'services' | 'destinationRules' | 'pods'>): Endpoint[] {
  const ref = serviceOfFqdn(cluster.host);
  const service = ref && objects.services.find((s) => s.metadata.name === ref.name && (s.metadata.namespace ?? 'default') === ref.namespace);
  const selector = service?.spec?.selector;
  if (!ref || !service || !selector || Object.keys(selector).length === 0) return [];
  const port = servicePort(service, cluster.port);
  if (!port) return [];
  const extra = cluster.subset === undefined ? {} : subsetLabels(cluster.host, cluster.subset, objects.destinationRules);
  if (!extra) return [];
  return objects.pods
    .filter((p) => (p.metadata.namespace ?? 'default') === ref.namespace && labelsMatch(selector, p.metadata.labels) && labelsMatch(extra, p.metadata.labels))
    .filter(isServing)
    .flatMap((pod) => {
      const containerPort = resolveTargetPort(port.targetPort, pod);
      const target = containerPort === undefined ? undefined : loopbackPort(pod, containerPort);
      if (target === undefined) return [];
      return [{ pod: pod.metadata.name ?? '', namespace: ref.namespace, labels: pod.metadata.labels ?? {}, address: pod.status?.podIP as string, port: target, locality: podLocality(pod.metadata.labels) }];
    })
    .sort((a, b) => a.pod.localeCompare(b.pod));
}
