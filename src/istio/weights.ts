import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import type { WeightReading } from '../spec/weighted-route.js';
import { readLockstepWeights } from './lockstep-routes.js';
import type { VirtualService } from './types.js';

/**
 * The stable and canary weights of the owned tcp route (routes, with target.matchPorts, which
 * must agree) of an existing VirtualService, and the canary share (canary / sum of the route's
 * weights; a lone destination takes all traffic).
 */
export function readIstioWeights(vs: VirtualService, spec: ResolvedIstioSpec): WeightReading {
  return readLockstepWeights(vs, spec);
}
