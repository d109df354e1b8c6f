import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import { readWeights, type WeightReading } from '../spec/weighted-route.js';
import { ownedIstioRoute } from './owned-route.js';
import type { VirtualService } from './types.js';

/**
 * The stable and canary weights of the owned tcp route of an existing VirtualService, and the
 * canary share (canary / sum of the route's weights; a lone destination takes all traffic).
 */
export function readIstioWeights(vs: VirtualService, spec: ResolvedIstioSpec): WeightReading {
  return readWeights(ownedIstioRoute(vs, spec));
}
