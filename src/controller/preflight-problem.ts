/**
 * The controller's side of the pre-flight (src/shift/preflight, shared with the CLI): before the
 * first weight write, prove the routing chain and probe identification; a failure is a Problem
 * (Degraded with the check's reason, a Warning Event, no route write), looked at again at the next
 * requeue so a fixed cluster proceeds on its own.
 */
import type { KubeClient } from '../kube/index.js';
import type { RouteSnapshot } from '../router/index.js';
import { checkMetricQueries, checkRoutingChain, PreflightError, type ProbeIdentityOptions } from '../shift/preflight/index.js';
import type { Clock } from '../util/clock.js';
import type { ResolvedShift, ResolvedSpec } from '../spec/resolved-shift.js';
import type { Problem } from './conditions.js';

/** The probe half (real sockets in the controller; none in light probe mode; scripted in tests). */
export type ProbeCheck = (spec: ResolvedSpec, options: ProbeIdentityOptions) => Promise<void>;

export async function preflightProblem(kube: KubeClient, shift: ResolvedShift, route: RouteSnapshot, checkProbes: ProbeCheck, clock: Clock): Promise<Problem | undefined> {
  try {
    const passed = await checkRoutingChain(kube, shift, route.object);
    await checkMetricQueries(shift, clock);
    await checkProbes(shift.spec, { stableOnly: route.weights.canary === 0, passed });
    return undefined;
  } catch (error) {
    if (error instanceof PreflightError) return { reason: error.reason, message: `pre-flight: ${error.message}` };
    throw error;
  }
}
