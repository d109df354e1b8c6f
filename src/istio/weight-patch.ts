import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import { weightPatch, type RouteShape } from '../spec/weighted-route.js';
import type { JsonPatchOp } from '../util/json-patch.js';
import { lockstepRoutes, type LockstepRoute } from './lockstep-routes.js';
import { routeDestination } from './render.js';
import type { RouteDestination, VirtualService } from './types.js';
import { validateVirtualService } from './webhook-rules.js';

/**
 * The JSON Patch that sets the owned tcp route of `vs` (every route of target.matchPorts, in ONE
 * patch) to stable 100-W / canary W and changes nothing else: guarded by one `test` op on
 * metadata.resourceVersion and `test` ops on the destinations at the owned indices of each
 * route; a missing canary (or stable) destination is added with weight 0 first (on the route's
 * own destination port). With canary 0 and `restore` the destinations of each route get back
 * their shape from before the shift (an added one is removed). Each patched route must pass
 * istiod's webhook rules, else a RoutingError is thrown.
 */
export function istioWeightPatch(vs: VirtualService, spec: ResolvedIstioSpec, canaryWeight: number, restore?: RouteShape): JsonPatchOp[] {
  const ops = lockstepRoutes(vs, spec).flatMap((route, i) => routePatch(vs, route, canaryWeight, i === 0 ? restore : restore?.lockstep?.[i - 1]));
  // Every route's patch starts with the same resourceVersion test: keep the first.
  return ops.filter((op, i) => i === 0 || !(op.op === 'test' && op.path === '/metadata/resourceVersion'));
}

function routePatch(vs: VirtualService, { spec, list }: LockstepRoute, canaryWeight: number, restore: RouteShape | undefined): JsonPatchOp[] {
  return weightPatch({
    kind: 'VirtualService',
    object: vs,
    list,
    canaryWeight,
    identityOf: (index) => ({ suffix: '/destination', value: (list.entries[index] as RouteDestination).destination }),
    newEntry: (role) => routeDestination(spec, spec[role].subset, 0),
    validate: validateVirtualService,
    ...(restore ? { restore } : {}),
  });
}
