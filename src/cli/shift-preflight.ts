/**
 * The pre-flight of CLI `shift` and `resume`: read the route, prove its routing chain, decide
 * what a re-run may do, then probe through spec.probe.address, all before anything is written.
 * Every refusal is a UsageError (exit 2) naming the object, the field and what to fix.
 */
import type { KubeClient } from '../kube/index.js';
import type { RouteSnapshot, TrafficRouter } from '../router/index.js';
import { acquireChange, CanaryTrafficError, initialState, LockHeldError, rerunVerdict, UnfinishedShiftError, type RerunVerdict } from '../shift/index.js';
import { checkMetricQueries, checkProbeIdentity, checkRoutingChain, PreflightError } from '../shift/preflight/index.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import { UsageError } from './errors.js';
import type { CliContext } from './io.js';
import { localProcesses } from './process-probe.js';
import { readRouteForShift } from './shift-session.js';

export interface PreflightInput {
  kube: KubeClient;
  shift: ResolvedShift;
  resource: unknown;
  router: TrafficRouter;
  /** `resume`: the route's canary weight is the shift's own; no re-run verdict. */
  resuming: boolean;
  restart: boolean;
}

export interface PreflightResult {
  current: RouteSnapshot;
  verdict: RerunVerdict;
}

/** A dry run of taking the lock (pure): a live holder or an unfinished shift is refused before probing. */
function refuseBusy(input: PreflightInput, current: RouteSnapshot, now: number): void {
  try {
    acquireChange(current, {
      mode: input.resuming ? 'resume' : 'start',
      name: input.shift.name,
      identity: '',
      ttlMs: 0,
      now,
      state: initialState(now),
      stepCount: input.shift.spec.schedule.steps.length,
      resource: input.resource,
      local: localProcesses,
    });
  } catch (error) {
    if (error instanceof LockHeldError || error instanceof UnfinishedShiftError) throw new UsageError(error.message);
    throw error;
  }
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof PreflightError || error instanceof CanaryTrafficError) throw new UsageError(`pre-flight: ${error.message}`);
    throw error;
  }
}

export function preflight(input: PreflightInput, ctx: CliContext): Promise<PreflightResult> {
  return guarded(async () => {
    const current = await readRouteForShift(input.router, input.shift);
    const passed = await checkRoutingChain(input.kube, input.shift, current.object);
    await checkMetricQueries(input.shift, ctx.clock);
    const verdict = input.resuming ? 'fresh' : rerunVerdict(current, input.resource, { restart: input.restart, name: input.shift.name, description: input.router.description });
    if (verdict !== 'already-promoted') refuseBusy(input, current, ctx.clock.now());
    if (verdict !== 'already-promoted') {
      await checkProbeIdentity(input.shift.spec, ctx.clock, { stableOnly: current.weights.canary === 0, passed });
    }
    return { current, verdict };
  });
}
