/**
 * The Istio routing chain of a shift, read and proved before the first weight write: the
 * Gateways the owned tcp route binds to (a TCP server on matchPort whose hosts admit the
 * VirtualService), the destination host as istiod resolves it, the DestinationRule (same host,
 * both subsets), the Service (the target port) and Ready pods behind each subset.
 */
import { MESH_GATEWAY } from '../../istio/gateway-refs.js';
import { resolveHost, serverAdmits, serviceOfFqdn } from '../../istio/hosts.js';
import { lockstepRoutes } from '../../istio/lockstep-routes.js';
import { ownedIstioRoute, ownedRouteGateways } from '../../istio/owned-route.js';
import type { RouteDestination, VirtualService } from '../../istio/types.js';
import type { DestinationRule, IstioGateway, KubeClient } from '../../kube/index.js';
import type { ResolvedIstioSpec } from '../../spec/resolved-shift.js';
import { PreflightError, type PassedChecks } from './preflight-error.js';
import { checkServiceBackends } from './service-backends.js';

type Server = NonNullable<IstioGateway['spec']['servers']>[number];

export function vsRef(vs: VirtualService): string {
  return `VirtualService ${vs.metadata.namespace ?? 'default'}/${vs.metadata.name}`;
}

function checkServers(gateway: IstioGateway, object: string, vs: VirtualService, spec: ResolvedIstioSpec): Server {
  const servers = gateway.spec?.servers ?? [];
  const onPort = servers.filter((s) => s.port?.number === spec.target.matchPort);
  if (onPort.length === 0) {
    const ports = servers.map((s) => s.port?.number).join(', ') || 'none';
    throw new PreflightError(object, 'spec.servers', `no server on port ${spec.target.matchPort} (ports: ${ports})`, 'spec.target.matchPort must be a TCP server port of the Gateway', 'GatewayPortMissing');
  }
  const tcp = onPort.filter((s) => String(s.port.protocol).toUpperCase() === 'TCP');
  if (tcp.length === 0) {
    throw new PreflightError(object, 'spec.servers', `the server on port ${spec.target.matchPort} speaks ${onPort.map((s) => s.port.protocol).join(', ')}, not TCP`, 'a tcp route needs a server with protocol TCP', 'GatewayNotTcp');
  }
  const vsNamespace = vs.metadata.namespace ?? 'default';
  const admitting = tcp.find((s) => serverAdmits(s.hosts ?? [], vs.spec.hosts ?? [], vsNamespace, gateway.metadata.namespace));
  if (!admitting) {
    const hosts = tcp.flatMap((s) => s.hosts ?? []).join(', ');
    throw new PreflightError(object, 'spec.servers[].hosts', `[${hosts}] do not admit ${vsRef(vs)} (hosts ${(vs.spec.hosts ?? []).join(', ') || 'none'})`, "add the VirtualService's namespace/host to the server's hosts, or correct the VirtualService's hosts", 'GatewayHostsMismatch');
  }
  return admitting;
}

export async function checkGateways(kube: KubeClient, vs: VirtualService, spec: ResolvedIstioSpec): Promise<PassedChecks> {
  const passed: PassedChecks = [];
  for (const ref of ownedRouteGateways(vs, spec)) {
    if (ref === MESH_GATEWAY) continue;
    const [namespace, name] = ref.split('/') as [string, string];
    const object = `Gateway ${namespace}/${name}`;
    const gateway = await kube.gateways.find(name, namespace);
    if (!gateway) {
      throw new PreflightError(object, '', `not found: ${vsRef(vs)} binds its tcp route on port ${spec.target.matchPort} to it (spec.gateways or spec.tcp[].match[].gateways)`, "create the Gateway or correct the VirtualService's gateways", 'GatewayNotFound');
    }
    const server = checkServers(gateway, object, vs, spec);
    passed.push(`${object} server ${server.port.name ?? server.port.number} (TCP ${spec.target.matchPort})`);
  }
  return passed;
}

/** spec.target.host as istiod resolves it, which must be a Service of the cluster. */
export function targetService(spec: ResolvedIstioSpec, namespace: string): { fqdn: string; name: string; namespace: string } {
  const fqdn = resolveHost(spec.target.host, namespace);
  const service = serviceOfFqdn(fqdn);
  if (!service) {
    const parts = spec.target.host.split('.');
    const fix = parts.length <= 3 ? `write the full name, ${parts[0]}.${parts[1] ?? namespace}.svc.cluster.local (Istio expands only a name without dots)` : 'name a Kubernetes Service: NAME, or NAME.NAMESPACE.svc.cluster.local';
    throw new PreflightError('TCPShift', 'spec.target.host', `'${spec.target.host}' is not a Service host as Istio reads it`, fix, 'HostNotService');
  }
  return { fqdn, ...service };
}

function subsetIndex(rule: DestinationRule, object: string, subset: string): number {
  const subsets = rule.spec?.subsets ?? [];
  const index = subsets.findIndex((s) => s.name === subset);
  if (index < 0) {
    const names = subsets.map((s) => s.name).join(', ') || 'none';
    throw new PreflightError(object, 'spec.subsets', `has no subset ${subset} (it has ${names})`, `add subset ${subset} to the DestinationRule or correct spec.stable.subset / spec.canary.subset`, 'SubsetNotFound');
  }
  return index;
}

export async function readDestinationRule(kube: KubeClient, spec: ResolvedIstioSpec, namespace: string, fqdn: string): Promise<DestinationRule> {
  const name = spec.target.destinationRule;
  const object = `DestinationRule ${namespace}/${name}`;
  const rule = await kube.destinationRules.find(name, namespace);
  if (!rule) throw new PreflightError(object, '', 'not found (spec.target.destinationRule names it)', `correct spec.target.destinationRule: the DestinationRule that defines subsets of ${fqdn}`, 'DestinationRuleNotFound');
  const host = typeof rule.spec?.host === 'string' ? resolveHost(rule.spec.host, namespace) : '';
  if (host !== fqdn) {
    throw new PreflightError(object, 'spec.host', `'${rule.spec?.host ?? ''}' is ${host || 'no host'} as Istio resolves it, not the shift's ${fqdn}`, 'spec.target.destinationRule must name the DestinationRule of spec.target.host', 'DestinationRuleHostMismatch');
  }
  return rule;
}

/** The owned destinations that name a port must name spec.target.port (the Service port Envoy's cluster uses). */
function checkDestinationPorts(vs: VirtualService, spec: ResolvedIstioSpec): void {
  const owned = ownedIstioRoute(vs, spec);
  for (const index of [owned.stableIndex, owned.canaryIndex]) {
    const port = index === undefined ? undefined : (owned.entries[index] as RouteDestination | undefined)?.destination?.port?.number;
    if (port === undefined || port === spec.target.port) continue;
    throw new PreflightError(vsRef(vs), `${owned.path}[${index}].destination.port.number`, `is ${port}, but spec.target.port is ${spec.target.port}`, "make spec.target.port the destinations' port", 'DestinationPortMismatch');
  }
}

/**
 * Prove the Istio chain; returns the checks that passed. With target.matchPorts every port's
 * route is proved as a shift of its own (its Gateway server, its destinations' port on the
 * Service, the subsets' pods), so a refusal names the port.
 */
export async function checkIstioChain(kube: KubeClient, spec: ResolvedIstioSpec, vs: VirtualService): Promise<PassedChecks> {
  if (spec.target.matchPorts.length <= 1) return checkRouteChain(kube, spec, vs);
  const passed: PassedChecks = [];
  for (const route of lockstepRoutes(vs, spec)) passed.push(...(await checkRouteChain(kube, route.spec, vs)));
  return [...new Set(passed)];
}

async function checkRouteChain(kube: KubeClient, spec: ResolvedIstioSpec, vs: VirtualService): Promise<PassedChecks> {
  const namespace = vs.metadata.namespace ?? 'default';
  const passed: PassedChecks = [`${vsRef(vs)} tcp route on port ${spec.target.matchPort}`];
  passed.push(...(await checkGateways(kube, vs, spec)));
  checkDestinationPorts(vs, spec);
  const service = targetService(spec, namespace);
  const rule = await readDestinationRule(kube, spec, namespace, service.fqdn);
  const object = `DestinationRule ${namespace}/${spec.target.destinationRule}`;
  const versions = [spec.stable.subset, spec.canary.subset].map((subset) => {
    const index = subsetIndex(rule, object, subset);
    return { version: `subset ${subset}`, labels: rule.spec.subsets?.[index]?.labels ?? {}, labelsFrom: { object, field: `spec.subsets[${index}].labels` } };
  });
  passed.push(`${object} host ${service.fqdn}, subsets ${spec.stable.subset} and ${spec.canary.subset}`);
  passed.push(...(await checkServiceBackends(kube, { name: service.name, namespace: service.namespace, port: spec.target.port, namedBy: 'spec.target.host', versions })));
  return passed;
}
