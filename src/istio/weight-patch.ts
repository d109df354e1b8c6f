import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import { weightPatch, type RouteShape } from '../spec/weighted-route.js';
import type { JsonPatchOp } from '../util/json-patch.js';
import { ownedIstioRoute } from './owned-route.js';
import { routeDestination } from './render.js';
import type { RouteDestination, VirtualService } from './types.js';
import { validateVirtualService } from './webhook-rules.js';

/**
 * The JSON Patch that sets the owned tcp route of `vs` to stable 100-W / canary W and changes
 * nothing else: guarded by `test` ops on metadata.resourceVersion and on the destinations at the
 * owned indices; a missing canary (or stable) destination is added with weight 0 first. With
 * canary 0 and `restore` the destinations get back their shape from before the shift (an added
 * one is removed). The patched VirtualService must pass istiod's webhook rules, else a
 * RoutingError is thrown.
 */
export function istioWeightPatch(vs: VirtualService, spec: ResolvedIstioSpec, canaryWeight: number, restore?: RouteShape): JsonPatchOp[] {
  const list = ownedIstioRoute(vs, spec);
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
