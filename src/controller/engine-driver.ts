/**
 * One reconcile's worth of engine work for a TCPShift: read the route, then observe, decide (the
 * pure core shared with the CLI) and act until nothing more is to be done now, and write the
 * status. The state is persisted in .status BEFORE every weight write (the order that never
 * repeats or skips a step after a crash between the two writes: test/shift's crash property),
 * and the route is written in exactly one JSON Patch per weight. Retryable API errors propagate
 * (the work queue retries with backoff, from the persisted state); a weight that cannot be
 * written for good rolls back, like the CLI's runner.
 */
import { ConflictError, isRetryable, NotFoundError, type TCPShift } from '../kube/index.js';
import type { RouteChange, RouteSnapshot } from '../router/index.js';
import {
  canaryTrafficMessage,
  decide,
  failShift,
  isTerminal,
  lockState,
  restoreShapeOf,
  ShiftAnnotations,
  withoutStepFields,
  type Action,
  type OperatorRequest,
  type ProbeStatus,
  type RouteObservation,
  type ShiftEvent,
  type ShiftState,
  type WeightPurpose,
} from '../shift/index.js';
import { RoutingError } from '../spec/routing-error.js';
import type { Clock } from '../util/clock.js';
import { deepEqual } from '../util/json-patch.js';
import type { Problem } from './conditions.js';
import { stableJson } from './engine-record.js';
import type { EventSink } from './event-sink.js';
import { newerOf } from './keys.js';
import type { ControllerMetrics } from './metrics.js';
import type { ProberHooks, ShiftSession } from './session.js';
import { buildStatus, refreshMoved, splitSummary, statusProbes, type SplitSummary, type WrittenStatus } from './shift-status.js';
import type { ProbeTotals } from '../shift/index.js';

export interface DriverDeps {
  kube: { tcpShifts: { replaceStatus(object: TCPShift): Promise<TCPShift> } };
  events: EventSink;
  metrics: ControllerMetrics;
  clock: Clock;
  /** This controller's identity (the Lease holder name). */
  identity: string;
  /** How often a baking shift's status.split is refreshed at most. */
  statusRefreshMs: number;
  probers(session: ShiftSession): ProberHooks;
  /** Before the first write: undefined when the shift may start probing, else why it waits (ProbeBudget). */
  admitProbes(session: ShiftSession): Problem | undefined;
  /** The pre-flight of a pending shift's route (src/shift/preflight): a Problem stops it before any write. */
  preflight(session: ShiftSession, route: RouteSnapshot): Promise<Problem | undefined>;
  /** Called before every route write (the finalizer goes on before the first step's). */
  beforeRouteWrite(session: ShiftSession, purpose: WeightPurpose): Promise<void>;
}

export interface DriveInput {
  /** The newest known version of the TCPShift (status writes are guarded by its resourceVersion). */
  object: TCPShift;
  request: OperatorRequest | undefined;
  /** Start from this state instead of the session's (a rollback asked after the shift ended). */
  state?: ShiftState;
  /** Aborted when this process stops leading: no status or route write starts after that. */
  signal?: AbortSignal;
}

/** The reconcile was cut short because leadership ended (nothing more was written). */
export class LeadershipEndedError extends Error {
  override readonly name = 'LeadershipEndedError';
}

export interface DriveResult {
  /** When the engine wants to look again (bake end); undefined when nothing is scheduled. */
  wakeAt?: number;
  /** The route is missing, not shiftable or held by someone else: look again later. */
  waiting?: boolean;
}

/** Everything one drive works on. */
interface Work {
  s: ShiftSession;
  object: TCPShift;
  state: ShiftState;
  /** Events to record once the status that carries them is written: the engine's, and the controller's own. */
  events: RecordedEvent[];
  route: RouteSnapshot | undefined;
  /** When this drive's weight write was acknowledged. */
  changedAt: number | undefined;
  signal?: AbortSignal | undefined;
  /** When it was sent (its drain may start from the commit, before the answer). */
  sentAt?: number;
}

/** A Kubernetes Event to record: the engine's ShiftEvent types, or the controller's reasons (RouteNotFound, RouteWriteFailed, ...). */
interface RecordedEvent {
  reason: string;
  message: string;
  warning: boolean;
}

const fromEngine = (event: ShiftEvent): RecordedEvent => ({ reason: event.type, message: event.message, warning: event.warning });

const MAX_ROUNDS = 16;
/** The holder annotation outlives a step's write by the bake plus this margin (no renewals). */
const HOLDER_MARGIN_MS = 30_000;

const IDLE_PROBE: ProbeStatus = {
  ready: false,
  stepIndex: undefined,
  sampling: false,
  observation: { longLived: { open: 0, heartbeats: 0, ends: { drained: 0, closed: 0, reset: 0, timeout: 0, corrupt: 0, refused: 0 }, maxDetectionMs: null, connections: [] }, samplingDone: false },
};

/** The holder identity the controller writes on a route it shifts (a CLI `shift` then refuses it). */
export function controllerHolder(identity: string, namespace: string, name: string): string {
  return `controller/${identity}:${namespace}/${name}`;
}

const isControllerHolderOf = (holder: string, namespace: string, name: string): boolean => holder.startsWith('controller/') && holder.endsWith(`:${namespace}/${name}`);

/**
 * Whether a weight write takes (or renews) the route lock. The write that can end the shift does
 * not: a rollback, a promotion, and a step to canary 100 (steps increase, so it is the last one and
 * passing it promotes without another write). The lock is thus gone the moment the shift ends,
 * without a write of its own; the price is that a route at 100 % is not locked during that last
 * bake.
 */
const holdsRoute = (purpose: WeightPurpose, canaryWeight: number): boolean => purpose === 'step' && canaryWeight < 100;

/** The annotation changes that clear this shift's holder, when the route carries it. */
function releaseOf(route: RouteSnapshot, namespace: string, name: string): Pick<RouteChange, 'annotations'> {
  if (!isControllerHolderOf(route.annotations[ShiftAnnotations.holder] ?? '', namespace, name)) return {};
  return { annotations: { [ShiftAnnotations.holder]: null, [ShiftAnnotations.expires]: null } };
}

/** Throws before a write once this process has stopped leading (a standby may already lead). */
function stillLeading(work: Work): void {
  if (work.signal?.aborted) throw new LeadershipEndedError('leadership ended: nothing more is written');
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class EngineDriver {
  constructor(private readonly deps: DriverDeps) {}

  async drive(s: ShiftSession, input: DriveInput): Promise<DriveResult> {
    const work: Work = { s, object: input.object, state: input.state ?? s.state, events: [], route: undefined, changedAt: undefined, signal: input.signal };
    s.problem = undefined;
    if (!needsRoute(work.state, input.request)) {
      await s.settleProber(work.state);
      await this.persistIfNeeded(work);
      return {};
    }
    if (!(await this.observeRoute(work))) {
      await s.stopProber();
      await this.persistIfNeeded(work);
      return { waiting: true };
    }
    const wakeAt = await this.loop(work, input.request);
    await this.releaseAfterEnd(work);
    await s.settleProber(work.state);
    await this.persistIfNeeded(work);
    return wakeAt === undefined ? {} : { wakeAt };
  }

  /** Write the status now if it differs from the stored one (shutdown checkpoint, forced split refresh). */
  async checkpoint(s: ShiftSession, object: TCPShift): Promise<void> {
    await this.persistIfNeeded({ s, object, state: s.state, events: [], route: s.route, changedAt: undefined }, true);
  }

  private async loop(work: Work, request: OperatorRequest | undefined): Promise<number | undefined> {
    const hooks = this.deps.probers(work.s);
    for (let round = 0; round < MAX_ROUNDS && work.route; round++) {
      const prober = work.s.proberFor(work.state, hooks);
      const observation = { route: routeObservation(work.route, work.changedAt, work.sentAt), probe: prober?.status() ?? IDLE_PROBE, ...(request ? { request } : {}) };
      const decision = decide(work.s.run.shift.spec, work.state, observation, this.deps.clock.now());
      work.state = decision.state;
      work.events.push(...decision.events.map(fromEngine));
      if (!(await this.act(work, decision.actions, hooks))) return decision.wakeAt;
    }
    return undefined;
  }

  /** Carry out the actions; true when one changed what the next observation shows. */
  private async act(work: Work, actions: readonly Action[], hooks: ProberHooks): Promise<boolean> {
    let changed = false;
    for (const action of actions) {
      switch (action.type) {
        case 'setWeight':
          await this.setWeight(work, action.canaryWeight, action.purpose);
          changed = true;
          break;
        case 'markStep':
          work.s.proberFor(work.state, hooks)?.markStep(action.stepIndex);
          changed = true;
          break;
        case 'startSampling':
          work.s.proberFor(work.state, hooks)?.startSampling(action);
          changed = true;
          break;
        case 'stopSampling':
          work.s.currentProber()?.stopSampling();
          break;
        case 'persist':
          break; // the drive ends with a status write whenever the state changed
      }
      if (isTerminal(work.state.phase) && action.type === 'setWeight') break;
    }
    return changed;
  }

  /** Persist the state that wants this weight, then write the weight (one JSON Patch). */
  private async setWeight(work: Work, canaryWeight: number, purpose: WeightPurpose): Promise<void> {
    await this.deps.beforeRouteWrite(work.s, purpose);
    await this.persist(work);
    stillLeading(work);
    const { s } = work;
    const { namespace, name } = s.id;
    const holder = controllerHolder(this.deps.identity, namespace, name);
    const until = this.deps.clock.now() + s.run.shift.spec.schedule.bakeMs + HOLDER_MARGIN_MS;
    const change = (current: RouteSnapshot): RouteChange => {
      if (holdsRoute(purpose, canaryWeight)) return { canaryWeight, annotations: { [ShiftAnnotations.holder]: holder, [ShiftAnnotations.expires]: new Date(until).toISOString() } };
      const restore = purpose === 'rollback' ? restoreShapeOf(work.state) : undefined;
      return { canaryWeight, ...(restore ? { restore } : {}), ...releaseOf(current, namespace, name) };
    };
    const sentAt = this.deps.clock.now();
    const settle = s.currentProber()?.weightWriteSent?.(sentAt);
    try {
      const result = await s.run.router.update(change, work.route ? { basis: work.route } : {});
      work.route = result.snapshot;
      s.route = result.snapshot;
      work.changedAt = this.deps.clock.now();
      work.sentAt = sentAt;
      settle?.(work.changedAt);
      this.deps.metrics.routeWrite(purpose);
    } catch (error) {
      settle?.(undefined);
      if (isRetryable(error) || error instanceof ConflictError) throw error;
      const what = purpose === 'rollback' ? 'the rollback (canary 0)' : `canary ${canaryWeight}%`;
      const reason = `could not write ${what} to ${s.run.router.description}: ${messageOf(error)}`;
      work.events.push({ reason: 'RouteWriteFailed', message: reason, warning: true });
      work.state = failShift(s.run.shift.spec, work.state, reason, this.deps.clock.now());
    }
  }

  /**
   * A shift that ended without a final weight write (the route already carried the end weight)
   * still lets go of the route at once: a metadata-only write, which changes no routing.
   */
  private async releaseAfterEnd(work: Work): Promise<void> {
    const { s } = work;
    if (!isTerminal(work.state.phase) || !work.route || !releaseOf(work.route, s.id.namespace, s.id.name).annotations) return;
    const result = await s.run.router.update((current) => releaseOf(current, s.id.namespace, s.id.name), { basis: work.route });
    work.route = result.snapshot;
    s.route = result.snapshot;
  }

  /** Read the route; false when the shift must wait for it (only before the first write). */
  private async observeRoute(work: Work): Promise<boolean> {
    const { s } = work;
    let snapshot: RouteSnapshot;
    try {
      snapshot = await s.run.router.read();
    } catch (error) {
      if (isRetryable(error)) throw error;
      return this.routeUnavailable(work, routeProblem(error, s.run.router.description));
    }
    work.route = snapshot;
    s.route = snapshot;
    if (work.state.phase !== 'pending') return true;
    const problem = this.pendingProblem(s, snapshot) ?? (await this.deps.preflight(s, snapshot));
    return problem ? this.routeUnavailable(work, problem) : true;
  }

  /** Before the first write: nobody else holds the route, it sends the canary nothing, and every weight of the schedule is writable. */
  private pendingProblem(s: ShiftSession, snapshot: RouteSnapshot): Problem | undefined {
    const lock = lockState(snapshot.annotations, this.deps.clock.now());
    if (lock.kind === 'held' && !isControllerHolderOf(lock.holder.identity, s.id.namespace, s.id.name)) {
      return { reason: 'RouteBusy', message: `${s.run.router.description} is held by ${lock.holder.identity} until ${new Date(lock.holder.expiresAt).toISOString()} (a shift run from the CLI?): waiting for it to end` };
    }
    if (snapshot.weights.canary > 0) {
      const message = `${canaryTrafficMessage(s.run.router.description, snapshot.weights.share)} before this shift wrote anything: starting over it would move traffic back; put the route back on stable (weights, or tcpshift rollback of the shift that moved it) and this shift starts`;
      return { reason: 'CanaryTraffic', message };
    }
    try {
      for (const weight of [...s.run.shift.spec.schedule.steps, 0]) s.run.router.validateWeight(snapshot, weight);
    } catch (error) {
      if (error instanceof RoutingError) return { reason: 'RouteNotShiftable', message: `${s.run.router.description} cannot be shifted: ${error.message}` };
      throw error;
    }
    return this.deps.admitProbes(s);
  }

  private routeUnavailable(work: Work, problem: Problem): boolean {
    if (work.state.phase === 'pending') {
      const previous = (work.object.status as WrittenStatus | undefined)?.conditions?.find((c) => c.type === 'Degraded');
      if (previous?.reason !== problem.reason || previous.message !== problem.message) work.events.push({ reason: problem.reason, message: problem.message, warning: true });
      work.s.problem = problem;
      return false;
    }
    const now = this.deps.clock.now();
    work.events.push({ reason: problem.reason, message: problem.message, warning: true });
    work.state = { ...withoutStepFields(work.state), phase: 'failed', reason: problem.message, endedAt: now, updatedAt: now };
    return true;
  }

  private async persistIfNeeded(work: Work, forceSplit = false): Promise<void> {
    const base = newerOf(work.object, work.s.written);
    const status = this.statusOf(work, base);
    const previous = base.status as WrittenStatus | undefined;
    // split and probes move while a step samples: written when due (--status-interval), not per change
    const { split: _s, probes: _p, ...next } = status;
    const { split: _ps, probes: _pp, ...prev } = previous ?? {};
    const due = forceSplit || this.deps.clock.now() - work.s.lastStatusAt >= this.deps.statusRefreshMs;
    if (deepEqual(next, prev) && (!refreshMoved(status, previous) || !due) && work.events.length === 0) return;
    await this.persist(work);
  }

  /** Write the status (guarded by the resourceVersion: a concurrent writer makes it a 409). */
  private async persist(work: Work): Promise<void> {
    stillLeading(work);
    const { s } = work;
    const base = newerOf(work.object, s.written);
    const status = this.statusOf(work, base);
    const written = await this.deps.kube.tcpShifts.replaceStatus({ ...base, status });
    const previous = s.state;
    s.written = written;
    s.persistedKey = stableJson(status.engine);
    s.lastStatusAt = this.deps.clock.now();
    s.state = work.state;
    s.pendingCondition = undefined;
    this.record(work, written, previous, status);
  }

  private statusOf(work: Work, base: TCPShift): WrittenStatus {
    const { s } = work;
    const weights = work.route?.weights;
    return buildStatus({
      state: work.state,
      spec: s.run.resource.spec,
      ...(weights ? { weights: { stable: weights.stable, canary: weights.canary } } : {}),
      ...splitOf(work),
      ...probesOf(work, this.deps.clock.now()),
      generation: base.metadata.generation ?? 0,
      previous: base.status,
      ...(s.problem ? { problem: s.problem } : {}),
      ...(s.pendingCondition ? { extra: [s.pendingCondition] } : {}),
      now: this.deps.clock.now(),
    });
  }

  /** Events, logs and metrics of what was just persisted. */
  private record(work: Work, object: TCPShift, previous: ShiftState, status: WrittenStatus): void {
    const { s } = work;
    for (const event of work.events.splice(0)) {
      this.deps.events.event(object, event.warning ? 'Warning' : 'Normal', event.reason, event.message);
      if (event.warning) s.logger.warn(event.message, { event: event.reason });
      else s.logger.info(event.message, { event: event.reason });
    }
    const { metrics } = this.deps;
    metrics.shift({ namespace: s.id.namespace, name: s.id.name }, status.weights?.canary, work.state.stepIndex);
    for (const step of work.state.steps.slice(previous.steps.length)) metrics.newConnections(step.newConnections);
    const rollback = work.state.rollback;
    if (rollback && isTerminal(work.state.phase) && !isTerminal(previous.phase)) {
      metrics.rolledBack(rollback.cause, rollback.restoredAt === undefined ? undefined : rollback.restoredAt - rollback.detectedAt);
    }
  }
}

function needsRoute(state: ShiftState, request: OperatorRequest | undefined): boolean {
  if (isTerminal(state.phase)) return false;
  return !(state.phase === 'paused' && request?.action === 'pause');
}

function routeObservation(route: RouteSnapshot, changedAt: number | undefined, sentAt: number | undefined): RouteObservation {
  return {
    canaryWeight: route.weights.canary,
    stableWeight: route.weights.stable,
    shape: route.shape,
    ...(changedAt !== undefined ? { changedAt, ...(sentAt !== undefined ? { sentAt } : {}) } : {}),
  };
}

function routeProblem(error: unknown, description: string): Problem {
  if (error instanceof NotFoundError) return { reason: 'RouteNotFound', message: `${description} not found: waiting for it to be created` };
  if (error instanceof RoutingError) return { reason: 'RouteNotShiftable', message: `${description} cannot be shifted: ${error.message}` };
  throw error;
}

/** status.split: the current step's new connections while it samples, else the last finished step's (an interrupted step did not finish). */
function splitOf(work: Work): { split?: SplitSummary } {
  const { state } = work;
  const probe = work.s.currentProber()?.status();
  const steps = work.s.run.shift.spec.schedule.steps;
  if (probe && probe.stepIndex === state.stepIndex && state.stepIndex >= 0 && probe.observation.newConnections) {
    const split = splitSummary(state.stepIndex, steps[state.stepIndex] ?? 0, probe.observation.newConnections);
    return split ? { split } : {};
  }
  const last = state.steps.findLast((step) => step.verdict !== 'interrupted');
  const split = last ? splitSummary(last.index, last.targetWeight, last.newConnections) : undefined;
  return split ? { split } : {};
}

function probesOf(work: Work, now: number): { probes?: ProbeTotals } {
  const probes = statusProbes(work.s.currentProber(), work.state, now);
  return probes ? { probes } : {};
}
