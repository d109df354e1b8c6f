/**
 * The Gateway API routing chain of a shift, read and proved before the first weight write: the
 * parent Gateway and the listener (sectionName) the TCPRoute is attached through, exists and is
 * TCP; other parents that would move with the route are refused unless the spec accepts them;
 * the owned backendRefs use spec.target.port; both Services exist, have that port and Ready pods.
 */
import type { ParentReference, TcpRoute } from '../../gatewayapi/types.js';
import type { KubeClient } from '../../kube/index.js';
import type { ResolvedGatewayApiSpec } from '../../spec/resolved-shift.js';
import { isPlainObject } from '../../spec/strict-object.js';
import { findParentGateway, type Listener, type ParentGateway } from './parent-gateway.js';
import { PreflightError, type PassedChecks } from './preflight-error.js';
import { checkServiceBackends } from './service-backends.js';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

function parentsOf(route: TcpRoute): ParentReference[] {
  return (Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : []).filter((p): p is ParentReference => isPlainObject(p) && typeof p.name === 'string');
}

function isGatewayRef(ref: ParentReference): boolean {
  return (ref.group === undefined || ref.group === GATEWAY_GROUP) && (ref.kind === undefined || ref.kind === 'Gateway');
}

const describeParent = (ref: ParentReference, namespace: string): string =>
  `${ref.kind ?? 'Gateway'} ${ref.namespace ?? namespace}/${ref.name}${ref.sectionName ? ` listener ${ref.sectionName}` : ' (every listener)'}${ref.port ? ` port ${ref.port}` : ''}`;

function routeRef(route: TcpRoute): string {
  return `TCPRoute ${route.metadata.namespace ?? 'default'}/${route.metadata.name}`;
}

/** The parentRefs through which the shift's Gateway (and listener, when named) carries the route. */
function ownParents(route: TcpRoute, spec: ResolvedGatewayApiSpec, namespace: string): ParentReference[] {
  const { gateway } = spec.target;
  const ns = gateway.namespace ?? namespace;
  const toGateway = parentsOf(route).filter((p) => isGatewayRef(p) && p.name === gateway.name && (p.namespace ?? namespace) === ns);
  const own = gateway.sectionName === undefined ? toGateway : toGateway.filter((p) => p.sectionName === undefined || p.sectionName === gateway.sectionName);
  if (own.length === 0) {
    const attached = toGateway.map((p) => p.sectionName ?? '(every listener)').join(', ');
    throw new PreflightError(routeRef(route), 'spec.parentRefs', `is not attached to listener ${gateway.sectionName ?? ''} of Gateway ${ns}/${gateway.name} (attached through: ${attached || 'nothing'})`, 'correct spec.target.gateway.sectionName, or the parentRef sectionName of the route', 'ListenerNotAttached');
  }
  return own;
}

function checkOtherParents(route: TcpRoute, spec: ResolvedGatewayApiSpec, namespace: string, own: readonly ParentReference[]): void {
  const others = parentsOf(route).filter((p) => !own.includes(p));
  if (others.length === 0 || spec.target.allowOtherParents) return;
  const list = others.map((p) => describeParent(p, namespace)).join('; ');
  throw new PreflightError(routeRef(route), 'spec.parentRefs', `has other parents whose traffic moves with these weights: ${list}`, 'set spec.target.allowOtherParents: true to shift them together, or give the route a single parent', 'SharedRoute');
}

function listenersUsed(parent: ParentGateway, sectionName: string | undefined, port: number | undefined): Listener[] {
  const named = sectionName === undefined ? parent.listeners : parent.listeners.filter((l) => l.name === sectionName);
  return port === undefined ? named : named.filter((l) => l.port === port);
}

async function checkParentGateway(kube: KubeClient, route: TcpRoute, spec: ResolvedGatewayApiSpec, ref: ParentReference, namespace: string): Promise<string> {
  const ns = ref.namespace ?? namespace;
  const parent = await findParentGateway(kube, ref.name, ns);
  if (!parent) throw new PreflightError(`Gateway ${ns}/${ref.name}`, '', `not found (spec.target.gateway and ${routeRef(route)} spec.parentRefs name it)`, 'create the Gateway or correct spec.target.gateway', 'GatewayNotFound');
  const section = ref.sectionName ?? spec.target.gateway.sectionName;
  const used = listenersUsed(parent, section, ref.port);
  if (used.length === 0) {
    const names = parent.listeners.map((l) => `${l.name ?? '-'} (${l.protocol} ${l.port ?? '?'})`).join(', ') || 'none';
    const field = spec.target.gateway.sectionName !== undefined ? 'spec.target.gateway.sectionName' : `${routeRef(route)} spec.parentRefs[].sectionName`;
    throw new PreflightError(parent.object, 'spec.listeners', `has no listener ${section ?? ''}${ref.port ? ` on port ${ref.port}` : ''} (listeners: ${names})`, `correct ${field}`, 'ListenerNotFound');
  }
  const tcp = used.filter((l) => l.protocol.toUpperCase() === 'TCP');
  if (tcp.length === 0) {
    throw new PreflightError(parent.object, 'spec.listeners', `listener ${section ?? used.map((l) => l.name).join(', ')} speaks ${used.map((l) => l.protocol).join(', ')}, not TCP`, 'a TCPRoute needs a TCP listener', 'ListenerNotTcp');
  }
  return `${parent.object} listener ${tcp.map((l) => `${l.name ?? '-'} (TCP ${l.port ?? '?'})`).join(', ')}`;
}

function checkBackendPorts(route: TcpRoute, spec: ResolvedGatewayApiSpec): void {
  const services = [spec.stable.service, spec.canary.service];
  (route.spec.rules ?? []).forEach((rule, r) => {
    (Array.isArray(rule?.backendRefs) ? rule.backendRefs : []).forEach((ref, b) => {
      if (!isPlainObject(ref) || !services.includes(ref.name) || ref.port === undefined || ref.port === spec.target.port) return;
      throw new PreflightError(routeRef(route), `spec.rules[${r}].backendRefs[${b}].port`, `is ${ref.port} for Service ${ref.name}, but spec.target.port is ${spec.target.port}`, 'make spec.target.port the backends\' port', 'BackendPortMismatch');
    });
  });
}

/** Prove the Gateway API chain; returns the checks that passed. */
export async function checkGatewayApiChain(kube: KubeClient, spec: ResolvedGatewayApiSpec, route: TcpRoute): Promise<PassedChecks> {
  const namespace = route.metadata.namespace ?? 'default';
  const passed: PassedChecks = [`${routeRef(route)} backendRefs ${spec.stable.service}, ${spec.canary.service}`];
  const own = ownParents(route, spec, namespace);
  for (const ref of own) passed.push(await checkParentGateway(kube, route, spec, ref, namespace));
  checkOtherParents(route, spec, namespace, own);
  checkBackendPorts(route, spec);
  for (const [role, service] of [['stable', spec.stable.service], ['canary', spec.canary.service]] as const) {
    passed.push(...(await checkServiceBackends(kube, { name: service, namespace, port: spec.target.port, namedBy: `spec.${role}.service`, versions: [{ version: `${role} Service ${service}`, labels: {} }] })));
  }
  return passed;
}
