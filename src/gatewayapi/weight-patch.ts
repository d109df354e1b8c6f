import type { ResolvedGatewayApiSpec } from '../spec/resolved-shift.js';
import { weightPatch, type RouteShape } from '../spec/weighted-route.js';
import type { JsonPatchOp } from '../util/json-patch.js';
import { ownedTcpRouteBackends } from './owned-rule.js';
import { backendRef } from './render.js';
import { validateTcpRoute } from './route-rules.js';
import type { BackendRef, TcpRoute } from './types.js';

/**
 * JSON Patch setting the owned backendRefs of an existing TCPRoute to stable 100-W / canary W,
 * guarded by `test` ops on metadata.resourceVersion and on the backend names at the owned
 * indices; a missing canary (or stable) backendRef is added with weight 0 first. With canary 0
 * and `restore` the backendRefs get back their shape from before the shift (an added one is removed).
 */
export function tcpRouteWeightPatch(route: TcpRoute, spec: ResolvedGatewayApiSpec, canaryWeight: number, restore?: RouteShape): JsonPatchOp[] {
  const list = ownedTcpRouteBackends(route, spec);
  return weightPatch({
    kind: 'TCPRoute',
    object: route,
    list,
    canaryWeight,
    identityOf: (index) => ({ suffix: '/name', value: (list.entries[index] as BackendRef).name }),
    newEntry: (role) => backendRef(spec, spec[role].service, 0),
    validate: validateTcpRoute,
    ...(restore ? { restore } : {}),
  });
}
