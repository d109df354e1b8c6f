/**
 * The backends of one version: the Service exists, has the shift's port, and the Service's
 * selector plus the version's labels (an Istio subset's, read from the DestinationRule; none for
 * a Gateway API per-version Service) select at least one Ready pod. Pods rather than
 * EndpointSlices because subsets select by pod labels, which only pods carry (istiod reads them
 * for the same reason: pilot/pkg/serviceregistry/kube/controller/endpointslice.go builds
 * endpoints from the slice and the pod's labels); the readiness rule is the EndpointSlice
 * controller's (pkg/controller/util/endpoint: Running, Ready condition True, not terminating).
 */
import type { KubeClient, Pod, Service } from '../../kube/index.js';
import { PreflightError, type PassedChecks } from './preflight-error.js';

export interface VersionBackends {
  /** `subset v2` or `canary Service echo-v2`, for messages. */
  version: string;
  /** Extra labels (a DestinationRule subset's); {} for none. */
  labels: Record<string, string>;
  /** Where those labels come from, for messages (`DestinationRule echo/echo spec.subsets[1]`). */
  labelsFrom?: { object: string; field: string };
}

export interface ServiceCheck {
  name: string;
  namespace: string;
  port: number;
  /** The TCPShift field that names the Service (`spec.target.host`, `spec.canary.service`). */
  namedBy: string;
  versions: VersionBackends[];
}

const describeLabels = (labels: Record<string, string>): string =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}}`;

export function isReady(pod: Pod): boolean {
  if (pod.metadata.deletionTimestamp || pod.status?.phase !== 'Running') return false;
  return (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

async function readService(kube: KubeClient, check: ServiceCheck): Promise<Service> {
  const service = await kube.services.find(check.name, check.namespace);
  const object = `Service ${check.namespace}/${check.name}`;
  if (!service) throw new PreflightError(object, '', `not found (${check.namedBy} names it)`, `create the Service or correct ${check.namedBy}`, 'ServiceNotFound');
  const ports = (service.spec?.ports ?? []).map((p) => p.port);
  if (!ports.includes(check.port)) {
    const has = ports.length ? `it has ${ports.join(', ')}` : 'it has none';
    throw new PreflightError(object, 'spec.ports', `no port ${check.port} (${has})`, `spec.target.port must be one of the Service's ports`, 'ServicePortMissing');
  }
  const selector = service.spec?.selector ?? {};
  if (Object.keys(selector).length === 0) {
    throw new PreflightError(object, 'spec.selector', 'is empty: its endpoints are not chosen by pod labels, so no version can be selected', 'give the Service a pod selector', 'ServiceWithoutSelector');
  }
  return service;
}

async function readyPods(kube: KubeClient, check: ServiceCheck, selector: Record<string, string>, version: VersionBackends): Promise<number> {
  const clash = Object.entries(version.labels).find(([k, v]) => selector[k] !== undefined && selector[k] !== v);
  const object = version.labelsFrom?.object ?? `Service ${check.namespace}/${check.name}`;
  const field = version.labelsFrom?.field ?? 'spec.selector';
  if (clash) {
    throw new PreflightError(object, field, `${version.version} selects ${clash[0]}=${clash[1]}, but Service ${check.namespace}/${check.name} selects ${clash[0]}=${selector[clash[0]]}: no pod can match both`, 'make the labels agree', 'NoReadyEndpoints');
  }
  const labels = { ...selector, ...version.labels };
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = (await kube.pods.list({ namespace: check.namespace, labelSelector })).items;
  const ready = pods.filter(isReady).length;
  if (ready === 0) {
    const seen = pods.length === 0 ? 'no pod has them' : `${pods.length} pod(s) have them, none Ready`;
    throw new PreflightError(object, field, `${version.version}: labels ${describeLabels(labels)} (Service selector and ${version.version}'s) select no Ready pod (${seen})`, `deploy ${version.version} or correct its labels`, 'NoReadyEndpoints');
  }
  return ready;
}

/** Check a Service and each version's ready pods; returns what passed. */
export async function checkServiceBackends(kube: KubeClient, check: ServiceCheck): Promise<PassedChecks> {
  const service = await readService(kube, check);
  const selector = service.spec?.selector ?? {};
  const counts: string[] = [];
  for (const version of check.versions) counts.push(`${version.version}: ${await readyPods(kube, check, selector, version)} Ready`);
  return [`Service ${check.namespace}/${check.name} port ${check.port}`, `pods ${counts.join(', ')}`];
}
