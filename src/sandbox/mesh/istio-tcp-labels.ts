import type { Endpoint } from './endpoints.js';
import type { Cluster } from './listener-plan.js';

/**
 * The labels of Istio's standard TCP metrics as the ingress gateway's Envoy writes them. Source:
 * istio/proxy source/extensions/filters/http/istio_stats/istio_stats.cc. The gateway's outbound
 * listener is a client-side reporter (`Reporter::ClientSidecar`: Istio's docs say "source if
 * report is from a client Istio proxy or a gateway"), so `reporter="source"`, the source_* labels
 * are the gateway's own workload, and the destination_* labels come from the upstream peer
 * (`IstioStatsFilter::populatePeerInfo`):
 * - `exchanged`: the upstream is a meshed pod and TCP metadata exchange gave its full workload
 *   metadata (app and version labels included); mTLS gives both principals.
 * - `endpoint`: the connect failed, so only the EDS endpoint metadata is known
 *   (`extractEndpointMetadata` -> `convertEndpointMetadata`: workload;namespace;canonical
 *   service;canonical revision;cluster, **no app or version**, so those are "unknown").
 * - `none`: no endpoint was picked (no healthy upstream): every peer label is "unknown".
 * destination_service / destination_service_name come from the cluster's `istio.services`
 * metadata (the Service host), whatever the peer.
 */
export type PeerKnowledge = 'exchanged' | 'endpoint' | 'none';

/** The emulated ingress gateway's identity (istio-system/istio-ingressgateway, as Istio installs it). */
export interface GatewayWorkload {
  workload: string;
  namespace: string;
  app: string;
  serviceAccount: string;
}

export const INGRESS_GATEWAY_WORKLOAD: GatewayWorkload = {
  workload: 'istio-ingressgateway',
  namespace: 'istio-system',
  app: 'istio-ingressgateway',
  serviceAccount: 'istio-ingressgateway-service-account',
};

/** Istio's default cluster id (`CLUSTER_ID`) and trust domain. */
const CLUSTER_ID = 'Kubernetes';
const TRUST_DOMAIN = 'cluster.local';
const UNKNOWN = 'unknown';

/** The label names in the order the stats filter pushes them for a client-side TCP report. */
export const ISTIO_TCP_LABELS = [
  'reporter',
  'source_workload',
  'source_canonical_service',
  'source_canonical_revision',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_service_name',
  'destination_service_namespace',
  'destination_cluster',
  'request_protocol',
  'response_flags',
  'connection_security_policy',
] as const;

export type IstioTcpLabels = Record<(typeof ISTIO_TCP_LABELS)[number], string>;

const spiffe = (namespace: string, serviceAccount: string): string => `spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;

/**
 * A pod's workload name as istio-agent reports it: a Deployment's pod `echo-v1-7d9f6c-x2xkq`
 * (pod-template-hash `7d9f6c`) is `echo-v1` (istio/istio pkg/kube/util.go `GetDeployMetaFromPod`
 * strips the ReplicaSet hash); any other pod is its own name.
 */
export function workloadName(endpoint: Pick<Endpoint, 'pod' | 'labels'>): string {
  const hash = endpoint.labels['pod-template-hash'];
  const at = hash ? endpoint.pod.lastIndexOf(`-${hash}-`) : -1;
  return at > 0 ? endpoint.pod.slice(0, at) : endpoint.pod;
}

/** `service.istio.io/canonical-name`, else `app.kubernetes.io/name`, else `app`, else the workload (istio/istio pkg/model `labels.CanonicalService`). */
function canonicalService(labels: Readonly<Record<string, string>>, workload: string): string {
  return labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? workload;
}

/** `service.istio.io/canonical-revision`, else `app.kubernetes.io/version`, else `version`, else "latest". */
function canonicalRevision(labels: Readonly<Record<string, string>>): string {
  return labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest';
}

function gatewaySide(gateway: GatewayWorkload, peer: PeerKnowledge): Pick<IstioTcpLabels, 'reporter' | 'source_workload' | 'source_canonical_service' | 'source_canonical_revision' | 'source_workload_namespace' | 'source_principal' | 'source_app' | 'source_version' | 'source_cluster'> {
  return {
    reporter: 'source',
    source_workload: gateway.workload,
    source_canonical_service: gateway.app,
    source_canonical_revision: 'latest',
    source_workload_namespace: gateway.namespace,
    // local_san: the gateway's certificate, only presented once an mTLS upstream connection exists.
    source_principal: peer === 'exchanged' ? spiffe(gateway.namespace, gateway.serviceAccount) : UNKNOWN,
    source_app: gateway.app,
    source_version: UNKNOWN,
    source_cluster: CLUSTER_ID,
  };
}

function peerSide(endpoint: Endpoint | undefined, peer: PeerKnowledge): Pick<IstioTcpLabels, 'destination_workload' | 'destination_workload_namespace' | 'destination_principal' | 'destination_app' | 'destination_version' | 'destination_canonical_service' | 'destination_canonical_revision' | 'destination_service_namespace' | 'destination_cluster'> {
  if (!endpoint || peer === 'none') {
    return {
      destination_workload: UNKNOWN,
      destination_workload_namespace: UNKNOWN,
      destination_principal: UNKNOWN,
      destination_app: UNKNOWN,
      destination_version: UNKNOWN,
      destination_canonical_service: UNKNOWN,
      destination_canonical_revision: 'latest',
      destination_service_namespace: UNKNOWN,
      destination_cluster: UNKNOWN,
    };
  }
  const workload = workloadName(endpoint);
  const exchanged = peer === 'exchanged';
  return {
    destination_workload: workload,
    destination_workload_namespace: endpoint.namespace,
    // Deviation: the sandbox's Endpoint carries no service account; "default" is assumed.
    destination_principal: exchanged ? spiffe(endpoint.namespace, 'default') : UNKNOWN,
    destination_app: exchanged ? (endpoint.labels.app ?? UNKNOWN) : UNKNOWN,
    destination_version: exchanged ? (endpoint.labels.version ?? UNKNOWN) : UNKNOWN,
    destination_canonical_service: canonicalService(endpoint.labels, workload),
    destination_canonical_revision: canonicalRevision(endpoint.labels),
    destination_service_namespace: endpoint.namespace,
    destination_cluster: CLUSTER_ID,
  };
}

/**
 * The full label set of one connection's TCP metrics, built as one object literal in label order
 * (spreading the two halves made V8 build a slow dictionary object: about 100 times slower).
 */
export function istioTcpLabels(input: { gateway: GatewayWorkload; cluster: Cluster; endpoint: Endpoint | undefined; peer: PeerKnowledge; responseFlags: string }): IstioTcpLabels {
  const source = gatewaySide(input.gateway, input.peer);
  const destination = peerSide(input.endpoint, input.peer);
  return {
    reporter: source.reporter,
    source_workload: source.source_workload,
    source_canonical_service: source.source_canonical_service,
    source_canonical_revision: source.source_canonical_revision,
    source_workload_namespace: source.source_workload_namespace,
    source_principal: source.source_principal,
    source_app: source.source_app,
    source_version: source.source_version,
    source_cluster: source.source_cluster,
    destination_workload: destination.destination_workload,
    destination_workload_namespace: destination.destination_workload_namespace,
    destination_principal: destination.destination_principal,
    destination_app: destination.destination_app,
    destination_version: destination.destination_version,
    destination_service: input.cluster.host,
    destination_canonical_service: destination.destination_canonical_service,
    destination_canonical_revision: destination.destination_canonical_revision,
    destination_service_name: input.cluster.host.split('.')[0] ?? UNKNOWN,
    destination_service_namespace: destination.destination_service_namespace,
    destination_cluster: destination.destination_cluster,
    request_protocol: 'tcp',
    response_flags: input.responseFlags,
    // Only a server-side reporter knows whether the peer used mTLS; a client-side one says "unknown".
    connection_security_policy: UNKNOWN,
  };
}
