import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import { RoutingError } from '../spec/routing-error.js';
import { readShape, readWeights, type RouteShape, type WeightedList, type WeightReading } from '../spec/weighted-route.js';
import { ownedIstioRoute } from './owned-route.js';
import type { RouteDestination, VirtualService } from './types.js';

/**
 * `target.matchPorts`: several tcp routes of one VirtualService shifted in lockstep (one JSON
 * Patch per step for all of them). Each route is handled as a single-port shift of its own: a
 * *route spec* is the shift's spec with that match port and, since each route keeps its own
 * destination port (Istio's tcp-echo sample routes gateway ports to 9000 and 9001), the port its
 * owned destinations name (target.port when they name none). A single-port shift is its own
 * route spec, unchanged.
 */
export interface LockstepRoute {
  spec: ResolvedIstioSpec;
  list: WeightedList;
}

/** The destination port the owned entries of a route name (the stable's, else the canary's). */
function destinationPort(list: WeightedList): number | undefined {
  const port = (index: number | undefined) => (index === undefined ? undefined : (list.entries[index] as RouteDestination | undefined)?.destination?.port?.number);
  return port(list.stableIndex) ?? port(list.canaryIndex);
}

/** The spec of one match port's route. */
function routeSpec(vs: VirtualService, spec: ResolvedIstioSpec, matchPort: number): LockstepRoute {
  const onPort: ResolvedIstioSpec = { ...spec, target: { ...spec.target, matchPort, matchPorts: [matchPort] } };
  const list = ownedIstioRoute(vs, onPort);
  const port = destinationPort(list);
  return port === undefined || port === spec.target.port ? { spec: onPort, list } : { spec: { ...onPort, target: { ...onPort.target, port } }, list };
}

/**
 * The owned routes, in the order of the match ports (a route matching two of them counted once).
 * A single-port shift gives its one route with the spec as is (its destination port checked
 * against target.port by the pre-flight, as before).
 */
export function lockstepRoutes(vs: VirtualService, spec: ResolvedIstioSpec): LockstepRoute[] {
  if (spec.target.matchPorts.length <= 1) return [{ spec, list: ownedIstioRoute(vs, spec) }];
  const routes = spec.target.matchPorts.map((port) => routeSpec(vs, spec, port));
  return routes.filter((route, i) => routes.findIndex((r) => r.list.pointer === route.list.pointer) === i);
}

const describeReading = (r: WeightReading): string => `${r.stable}/${r.canary}${r.total === r.stable + r.canary ? '' : ` of ${r.total}`}`;

/**
 * The weights of the lockstep routes: the same on every route (tcpshift writes them together);
 * routes that differ (someone edited one) are a RoutingError naming each port's weights, which
 * the engine treats as a route it cannot shift any more (onExternalChange).
 */
export function readLockstepWeights(vs: VirtualService, spec: ResolvedIstioSpec): WeightReading {
  const routes = lockstepRoutes(vs, spec);
  const readings = routes.map((r) => readWeights(r.list));
  const first = readings[0]!;
  if (readings.every((r) => r.stable === first.stable && r.canary === first.canary && r.total === first.total)) return first;
  const each = routes.map((r, i) => `port ${r.spec.target.matchPort} (${r.list.path}) ${describeReading(readings[i]!)}`).join(', ');
  throw new RoutingError(`the tcp routes shifted in lockstep (spec.target.matchPorts) carry different weights (stable/canary): ${each}`, 'spec.tcp');
}

/** The shape of every lockstep route: the first route's, with the others' under `lockstep`. */
export function readLockstepShape(vs: VirtualService, spec: ResolvedIstioSpec): RouteShape {
  const [first, ...others] = lockstepRoutes(vs, spec).map((r) => readShape(r.list));
  return others.length === 0 ? first! : { ...first!, lockstep: others };
}
