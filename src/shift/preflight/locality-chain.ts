/**
 * The pre-flight of strategy `locality` (issue 14): the VirtualService's tcp route on matchPort is
 * a single destination, the host without a subset (tcpshift never writes it: the weights are the
 * DestinationRule's distribute); the DestinationRule's distribute is not overridden (no failover
 * beside it, localityLbSetting not disabled, no portLevelSettings loadBalancer for the port: istiod's
 * MergeTrafficPolicy replaces the whole loadBalancer with a port's); every Ready pod of the Service
 * carries one of the two localities (label topology.istio.io/locality; istiod drops the endpoints
 * of a locality `to` does not list, pilot loadbalancer.applyLocalityWeights), and each version has one.
 * Subsets' own trafficPolicy is not checked: it applies to the subset clusters, not to the host's
 * cluster that the single destination uses.
 */
import { findOwnedTcpRoute } from '../../istio/owned-route.js';
import { resolveHost } from '../../istio/hosts.js';
import { localityLbSettingOf } from '../../istio/locality-weights.js';
import type { DestinationRule as IstioDestinationRule, VirtualService } from '../../istio/types.js';
import type { DestinationRule, KubeClient, Pod } from '../../kube/index.js';
import { LOCALITY_LABEL, localityLabelValue, type ResolvedIstioSpec } from '../../spec/resolved-shift.js';
import { isPlainObject } from '../../spec/strict-object.js';
import { checkGateways, readDestinationRule, targetService, vsRef } from './istio-chain.js';
import { PreflightError, type PassedChecks } from './preflight-error.js';
import { checkServiceBackends, isReady } from './service-backends.js';

const MIGRATE =
  'route the port to the host alone (no subset, no weight); `tcpshift render --strategy locality` prints the shape. ' +
  'That one change drains the gateway port once; every step after it leaves existing connections open';

async function readVirtualService(kube: KubeClient, spec: ResolvedIstioSpec, namespace: string): Promise<VirtualService> {
  const name = spec.target.virtualService;
  const vs = await kube.virtualServices.find(name, namespace);
  if (!vs) throw new PreflightError(`VirtualService ${namespace}/${name}`, '', 'not found (spec.target.virtualService names it)', 'create it or correct spec.target.virtualService', 'VirtualServiceNotFound');
  return vs as unknown as VirtualService;
}

/** The owned tcp route must be one destination: the host, without subset, on spec.target.port when it names one. */
export function checkSingleDestination(vs: VirtualService, spec: ResolvedIstioSpec): string {
  const index = findOwnedTcpRoute(vs, { matchPort: spec.target.matchPort, gateways: spec.target.gateways });
  const path = `spec.tcp[${index}].route`;
  const route = (vs.spec.tcp?.[index]?.route ?? []);
  const namespace = vs.metadata.namespace ?? 'default';
  const host = resolveHost(spec.target.host, namespace);
  if (route.length !== 1) {
    throw new PreflightError(vsRef(vs), path, `has ${route.length} destinations; strategy locality needs one, ${host} without subset`, MIGRATE, 'RouteNotSingleDestination');
  }
  const destination = route[0]?.destination;
  if (typeof destination?.host !== 'string' || resolveHost(destination.host, namespace) !== host) {
    throw new PreflightError(vsRef(vs), `${path}[0].destination.host`, `is ${destination?.host ?? 'absent'}, not the shift's host ${host}`, MIGRATE, 'RouteNotSingleDestination');
  }
  if (destination.subset !== undefined) {
    throw new PreflightError(vsRef(vs), `${path}[0].destination.subset`, `is ${destination.subset}: a subset cluster holds one version only`, MIGRATE, 'RouteNotSingleDestination');
  }
  const port = destination.port?.number;
  if (port !== undefined && port !== spec.target.port) {
    throw new PreflightError(vsRef(vs), `${path}[0].destination.port.number`, `is ${port}, but spec.target.port is ${spec.target.port}`, "make spec.target.port the destination's port", 'DestinationPortMismatch');
  }
  return `${vsRef(vs)} ${path}: one destination, ${host}`;
}

/** Nothing in the DestinationRule overrides or forbids the distribute tcpshift writes. */
export function checkLocalitySetting(rule: IstioDestinationRule, object: string, port: number): void {
  const setting = localityLbSettingOf(rule);
  const base = 'spec.trafficPolicy.loadBalancer.localityLbSetting';
  if (setting?.enabled === false) {
    throw new PreflightError(object, `${base}.enabled`, 'is false: istiod ignores distribute', 'remove enabled: false (or set it true)', 'LocalityOverridden');
  }
  if (Array.isArray(setting?.failover) && setting.failover.length > 0) {
    throw new PreflightError(object, `${base}.failover`, 'is set: istiod rejects distribute beside failover', 'remove failover from this DestinationRule (distribute replaces it)', 'LocalityOverridden');
  }
  const levels = rule.spec.trafficPolicy?.portLevelSettings;
  const index = Array.isArray(levels) ? levels.findIndex((l: unknown) => isPlainObject(l) && isPlainObject(l.port) && l.port.number === port && l.loadBalancer !== undefined) : -1;
  if (index >= 0) {
    throw new PreflightError(object, `spec.trafficPolicy.portLevelSettings[${index}].loadBalancer`, `replaces the top-level loadBalancer for port ${port}, so the distribute tcpshift writes would not apply`, 'move its settings to spec.trafficPolicy.loadBalancer', 'LocalityOverridden');
  }
}

/** Every Ready pod of the Service carries the stable or the canary locality; the pods that do not would be dropped. */
async function checkLocalityLabels(kube: KubeClient, spec: ResolvedIstioSpec, service: { name: string; namespace: string }): Promise<void> {
  const found = await kube.services.find(service.name, service.namespace);
  const selector = Object.entries(found?.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = (await kube.pods.list({ namespace: service.namespace, labelSelector: selector })).items.filter(isReady);
  const allowed = [spec.stable.locality, spec.canary.locality].map(localityLabelValue);
  const stray = pods.filter((pod: Pod) => !allowed.includes(pod.metadata.labels?.[LOCALITY_LABEL] ?? ''));
  if (stray.length === 0) return;
  const names = stray.slice(0, 10).map((p) => `${p.metadata.name ?? '?'} (${p.metadata.labels?.[LOCALITY_LABEL] ?? 'no label'})`);
  throw new PreflightError(
    `Service ${service.namespace}/${service.name}`,
    `pods' label ${LOCALITY_LABEL}`,
    `${stray.length} Ready pod(s) carry neither ${allowed.join(' nor ')}: ${names.join(', ')}${stray.length > 10 ? ', ...' : ''}; the gateway would drop them once distribute exists`,
    "label each version's pods (Deployment spec.template.metadata.labels; `tcpshift render --strategy locality` prints the patch)",
    'LocalityUnlabelled',
  );
}

/** Prove the chain of a locality shift; `rule` is the DestinationRule as the router read it. */
export async function checkLocalityChain(kube: KubeClient, spec: ResolvedIstioSpec, rule: DestinationRule): Promise<PassedChecks> {
  const namespace = rule.metadata.namespace ?? 'default';
  const vs = await readVirtualService(kube, spec, namespace);
  const passed: PassedChecks = [checkSingleDestination(vs, spec)];
  passed.push(...(await checkGateways(kube, vs, spec)));
  const service = targetService(spec, namespace);
  const object = `DestinationRule ${namespace}/${spec.target.destinationRule}`;
  checkLocalitySetting((await readDestinationRule(kube, spec, namespace, service.fqdn)) as unknown as IstioDestinationRule, object, spec.target.port);
  passed.push(`${object} host ${service.fqdn}, localityLbSetting free for distribute`);
  const versions = [spec.stable, spec.canary].map((v) => ({ version: `locality ${v.locality} (${v.subset})`, labels: { [LOCALITY_LABEL]: localityLabelValue(v.locality) } }));
  passed.push(...(await checkServiceBackends(kube, { name: service.name, namespace: service.namespace, port: spec.target.port, namedBy: 'spec.target.host', versions })));
  await checkLocalityLabels(kube, spec, service);
  passed.push(`every Ready pod of Service ${service.namespace}/${service.name} is in locality ${spec.stable.locality} or ${spec.canary.locality}`);
  return passed;
}
