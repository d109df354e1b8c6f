import { formatPath } from '../spec/issues.js';
import type { ResolvedGatewayApiSpec } from '../spec/resolved-shift.js';
import { RoutingError } from '../spec/routing-error.js';
import { isPlainObject } from '../spec/strict-object.js';
import type { WeightedList } from '../spec/weighted-route.js';
import { pointer } from '../util/json-patch.js';
import { DEFAULT_BACKEND_WEIGHT, type BackendRef, type TcpRoute } from './types.js';

function describeRoute(route: TcpRoute): string {
  return `TCPRoute ${route.metadata?.namespace ?? 'default'}/${route.metadata?.name}`;
}

/** Does this backendRef name the Service `service` in the route's namespace? */
function isServiceRef(ref: unknown, service: string, routeNamespace: string): boolean {
  if (!isPlainObject(ref) || ref.name !== service) return false;
  const coreGroup = ref.group === undefined || ref.group === '';
  const serviceKind = ref.kind === undefined || ref.kind === 'Service';
  return coreGroup && serviceKind && (ref.namespace === undefined || ref.namespace === routeNamespace);
}

function checkParent(route: TcpRoute, spec: ResolvedGatewayApiSpec, namespace: string): void {
  const { gateway } = spec.target;
  const wantedNamespace = gateway.namespace ?? namespace;
  const parents = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
  const attached = parents.some((p) => isPlainObject(p) && p.name === gateway.name && (p.namespace ?? namespace) === wantedNamespace);
  if (!attached) {
    throw new RoutingError(`${describeRoute(route)} is not attached to Gateway ${wantedNamespace}/${gateway.name}`, 'spec.parentRefs');
  }
}

function roleIndex(refs: unknown[], service: string, namespace: string, path: string): number | undefined {
  const found = refs.flatMap((r, i) => (isServiceRef(r, service, namespace) ? [i] : []));
  if (found.length > 1) throw new RoutingError(`Service ${service} appears ${found.length} times`, path);
  return found[0];
}

/** The one rule whose backendRefs name the stable or canary Service. */
function ownedRuleIndex(route: TcpRoute, spec: ResolvedGatewayApiSpec, namespace: string): number {
  const rules: unknown = route.spec?.rules;
  if (!Array.isArray(rules) || rules.length === 0) throw new RoutingError(`${describeRoute(route)} has no rules`, 'spec.rules');
  const names = [spec.stable.service, spec.canary.service];
  const owned = rules.flatMap((rule, i) => {
    const refs: unknown[] = isPlainObject(rule) && Array.isArray(rule.backendRefs) ? rule.backendRefs : [];
    return refs.some((r) => names.some((n) => isServiceRef(r, n, namespace))) ? [i] : [];
  });
  if (owned.length !== 1) {
    const found = owned.length === 0 ? 'no rule' : `${owned.length} rules (${owned.map((i) => `spec.rules[${i}]`).join(', ')})`;
    throw new RoutingError(`${describeRoute(route)}: ${found} route to Service ${names.join(' or ')}; exactly one must`, 'spec.rules');
  }
  return owned[0]!;
}

/**
 * The owned backendRefs of an existing TCPRoute as a WeightedList. The route must be attached to
 * the shift's Gateway; backends other than the stable and canary Services may stay only with
 * weight 0. An absent weight is 1 (Gateway API default).
 */
export function ownedTcpRouteBackends(route: TcpRoute, spec: ResolvedGatewayApiSpec): WeightedList {
  const namespace = route.metadata?.namespace ?? 'default';
  checkParent(route, spec, namespace);
  const ruleIndex = ownedRuleIndex(route, spec, namespace);
  const path = formatPath(['spec', 'rules', ruleIndex, 'backendRefs']);
  const refs = route.spec.rules[ruleIndex]!.backendRefs as unknown[];
  const stableIndex = roleIndex(refs, spec.stable.service, namespace, path);
  const canaryIndex = roleIndex(refs, spec.canary.service, namespace, path);
  const weights = refs.map((r) => (isPlainObject(r) && typeof r.weight === 'number' ? r.weight : DEFAULT_BACKEND_WEIGHT));
  const foreign = refs.flatMap((r, i) => (i !== stableIndex && i !== canaryIndex && (weights[i] ?? 0) > 0 ? [i] : []));
  if (foreign.length > 0) {
    const names = foreign.map((i) => `${path}[${i}] (${(refs[i] as BackendRef).name})`);
    throw new RoutingError(`backends other than the stable and canary Services carry traffic: ${names.join(', ')}`, path);
  }
  return { pointer: pointer('spec', 'rules', ruleIndex, 'backendRefs'), path, entries: refs, weights, stableIndex, canaryIndex };
}
