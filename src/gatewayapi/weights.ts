import type { ResolvedGatewayApiSpec } from '../spec/resolved-shift.js';
import { readWeights, type WeightReading } from '../spec/weighted-route.js';
import { ownedTcpRouteBackends } from './owned-rule.js';
import type { TcpRoute } from './types.js';

/** Stable and canary backendRef weights of an existing TCPRoute and the canary share (w / sum). */
export function readTcpRouteWeights(route: TcpRoute, spec: ResolvedGatewayApiSpec): WeightReading {
  return readWeights(ownedTcpRouteBackends(route, spec));
}
