/**
 * The level-based `reconcile(ctx, key) -> {requeueAfterMs?}` of TCPShifts (controller-runtime
 * style): it reads the object (informer cache, or this process's own last write when that is
 * newer), compares what the spec, the annotations and the status ask with what the route shows,
 * and does the next thing: validate the spec, keep the finalizer, run the engine (EngineDriver),
 * restart from stable after a spec change, roll back before a deletion completes, clear an
 * honoured request. Anything it cannot finish now is a requeue; retryable API errors propagate
 * to the work queue (backoff), a 409 on its own write re-reads and retries at once.
 */
import { ConflictError, isRetryable, type KubeClient, type TCPShift } from '../kube/index.js';
import { formatAddress } from '../probe/index.js';
import { createRouter } from '../router/index.js';
import { initialState, isTerminal, planWarnings, resumeState, withMetricChecks, type HookPort, type ShiftProber, type ShiftState } from '../shift/index.js';
import { formatIssue, type SpecIssue } from '../spec/issues.js';
import { parseTCPShiftObject } from '../spec/parse-tcpshift.js';
import type { ResolvedShift, ResolvedSpec } from '../spec/resolved-shift.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';
import type { Clock } from '../util/clock.js';
import { deepEqual } from '../util/json-patch.js';
import type { Logger } from '../util/logger.js';
import { EngineDriver, type DriveResult } from './engine-driver.js';
import type { EventSink } from './event-sink.js';
import { EngineRecordError, readStoredRun, resolveStoredSpec, runKey, stableJson, type StoredRun } from './engine-record.js';
import { newerOf, parseKey } from './keys.js';
import type { ControllerMetrics } from './metrics.js';
import { annotationRequest, clearedRequest, effectiveRequest, finalizersWith, hasFinalizer, reopenForRollback, requestToClear } from './requests.js';
import { preflightProblem, type ProbeCheck } from './preflight-problem.js';
import { EVENT_DELIVERY_GRACE_MS } from '../hooks/index.js';
import { prepareHooks, sessionHookPort } from './shift-hooks.js';
import { ShiftSession, type ProberHooks, type RunSpec } from './session.js';
import { budgetWaitMessage, type ProbeBudget } from './probe-budget.js';
import { pinnedSpec, type ProbeGuard } from './probe-guard.js';
import { invalidSpecStatus, type WrittenStatus } from './shift-status.js';
import type { Problem } from './conditions.js';

export interface ReconcileContext {
  /** Bound to the shift (`shift: namespace/name`). */
  logger: Logger;
  /** Aborted when leadership ends: the engine starts no status or route write after that. */
  signal?: AbortSignal;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface ReconcilerDeps {
  kube: KubeClient;
  /** The informer's cache of TCPShifts. */
  cache: { get(name: string, namespace?: string): TCPShift | undefined };
  createProber(spec: ResolvedSpec): ShiftProber;
  /** Ask for a reconcile of this key now (the prober saw something, a hook answered). */
  wake(key: string): void;
  /** The shift's webhooks and notifications (spec.webhooks, spec.notifications); default none (EngineDriver). */
  hooksFor?(session: ShiftSession): HookPort;
  events: EventSink;
  metrics: ControllerMetrics;
  clock: Clock;
  identity: string;
  statusRefreshMs: number;
  /** Where probes may connect (--probe-allow); checked before any probe connection or route write. */
  probeGuard: ProbeGuard;
  /** Probe connections of all shifts together (--probe-budget-connections). */
  probeBudget: ProbeBudget;
  /** Connections a shift's prober holds at most. */
  probeCost(spec: ResolvedSpec): number;
  /** The probe half of the pre-flight (src/shift/preflight). */
  checkProbes: ProbeCheck;
}

/** How long a shift waiting for its route (missing, not shiftable, held) waits between looks. */
export const ROUTE_WAIT_MS = 10_000;

interface Current {
  shift: ResolvedShift;
  resource: TCPShiftResource;
}

export class Reconciler {
  private readonly sessions = new Map<string, ShiftSession>();
  private readonly driver: EngineDriver;

  constructor(private readonly deps: ReconcilerDeps) {
    this.driver = new EngineDriver({
      ...deps,
      probers: (s) => this.proberHooks(s),
      admitProbes: (s) => this.admitProbes(s),
      // A HookPort given by the caller (tests) wins over the session's webhooks and notifications.
      hooksFor: (s) => deps.hooksFor?.(s) ?? sessionHookPort(s),
      preflight: async (s, route) => s.hooks?.problem ?? (await preflightProblem(deps.kube, pinnedRun(s), route, deps.checkProbes, deps.clock)),
      // The finalizer only while something may need rolling back: added before a step's write.
      beforeRouteWrite: (s, purpose) => (purpose === 'step' ? this.setFinalizer(s, s.run.shift.spec.onDelete === 'rollback') : Promise.resolve()),
    });
  }

  /** Shifts with a session in this process. */
  get active(): number {
    return this.sessions.size;
  }

  async reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const cached = this.deps.cache.get(name, namespace);
    if (!cached) {
      await this.forget(key);
      return {};
    }
    const session = this.sessions.get(key);
    const object = newerOf(cached, session?.written);
    // Once the cache has caught up with this process's last write, that copy is not needed any more.
    if (session && object === cached) session.written = undefined;
    try {
      return await this.reconcileObject(ctx, key, object);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      ctx.logger.debug('conflict writing the TCPShift: reading it again', { error: error.message });
      await this.refresh(key, object);
      return { requeueAfterMs: 0 };
    }
  }

  /** Stop every prober and forget every session (leadership lost, shutdown). */
  async stopAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map(async (s) => {
      await s.stopProber();
      await s.closeHooks(0);
    }));
    this.deps.probeBudget.clear();
  }

  /** Stop sampling and write each running shift's latest status (before a graceful exit). */
  async checkpoint(logger: Logger): Promise<void> {
    for (const s of this.sessions.values()) s.currentProber()?.stopSampling();
    await Promise.all(
      [...this.sessions.values()].map(async (s) => {
        const cached = this.deps.cache.get(s.id.name, s.id.namespace);
        if (!cached || isTerminal(s.state.phase)) return;
        await this.driver.checkpoint(s, newerOf(cached, s.written)).catch((error: unknown) => logger.warn('checkpoint failed', { shift: s.id.key, error: String(error) }));
      }),
    );
  }

  private async reconcileObject(ctx: ReconcileContext, key: string, object: TCPShift): Promise<ReconcileResult> {
    const parsed = parseTCPShiftObject(object);
    const current = parsed.ok ? { shift: parsed.shift, resource: parsed.resource } : undefined;
    if (object.metadata.deletionTimestamp) return this.finalize(ctx, key, object, current);
    if (!current) return this.rejectSpec(key, object, parsed.ok ? [] : parsed.issues);
    const admission = await this.deps.probeGuard.admit(current.shift.spec.probe.address);
    if (!admission.ok) return this.rejectSpec(key, object, [{ path: 'spec.probe.address', message: admission.message }]);
    const s = this.sessionFor(ctx, key, object, current) as ShiftSession;
    s.admittedProbe = { address: formatAddress(current.shift.spec.probe.address), host: admission.host };
    if (s.next && (isTerminal(s.state.phase) || untouched(s.state))) await this.restart(s, object);
    await this.retryIfAsked(s, object);
    if (current.shift.spec.onDelete === 'keep') await this.setFinalizer(s, false);
    await prepareHooks(s, object, this.deps);
    let result = await this.driveOnce(ctx, s, current);
    if (s.next && isTerminal(s.state.phase)) {
      await this.restart(s, object);
      result = await this.driveOnce(ctx, s, current);
    }
    if (isTerminal(s.state.phase)) {
      await this.clearRequest(s);
      await this.setFinalizer(s, false);
    }
    return this.requeue(s, result);
  }

  private async driveOnce(ctx: ReconcileContext, s: ShiftSession, current: Current): Promise<DriveResult> {
    const object = this.newest(s);
    const generation = object.metadata.generation ?? 0;
    const request = effectiveRequest({ object, paused: current.shift.spec.paused, deleting: false, ...(s.next ? { specChangedAt: generation } : {}) });
    const reopened = await this.reopenIfAsked(s, object);
    const result = await this.driver.drive(s, { object, request, signal: ctx.signal, ...(reopened ? { state: reopened } : {}) });
    // Out of the probe queue once it waits for something else or has ended (it would block the queue).
    if ((result.waiting && s.problem?.reason !== 'ProbeBudget') || isTerminal(s.state.phase)) this.deps.probeBudget.release(s.id.key);
    return result;
  }

  /** A shift that has written nothing yet starts probing only within the budget (FIFO). */
  private admitProbes(s: ShiftSession): Problem | undefined {
    const wait = this.deps.probeBudget.admit(s.id.key, this.deps.probeCost(s.run.shift.spec));
    return wait ? { reason: 'ProbeBudget', message: budgetWaitMessage(wait) } : undefined;
  }

  /** `tcpshift rollback` after the shift ended: back to rolling-back when the canary still has weight. */
  private async reopenIfAsked(s: ShiftSession, object: TCPShift): Promise<ShiftState | undefined> {
    const request = annotationRequest(object);
    if (!isTerminal(s.state.phase) || request?.action !== 'rollback') return undefined;
    try {
      const route = await s.run.router.read();
      return route.weights.canary === 0 ? undefined : reopenForRollback(s.state, request.by, this.deps.clock.now());
    } catch (error) {
      if (isRetryable(error)) throw error;
      s.logger.warn('rollback requested but the route cannot be read: nothing to roll back', { error: String(error) });
      return undefined;
    }
  }

  private requeue(s: ShiftSession, result: DriveResult): ReconcileResult {
    if (result.waiting) return { requeueAfterMs: ROUTE_WAIT_MS };
    // A pause held by an external change ends when the route's weights are back: look at the route again.
    if (s.state.phase === 'paused' && s.state.pausedBy === 'external-change') return { requeueAfterMs: ROUTE_WAIT_MS };
    if (isTerminal(s.state.phase) || s.state.phase === 'paused') return {};
    const refresh = this.deps.statusRefreshMs;
    if (result.wakeAt === undefined) return { requeueAfterMs: refresh };
    return { requeueAfterMs: Math.max(0, Math.min(result.wakeAt - this.deps.clock.now(), refresh)) };
  }

  /** The session of a TCPShift: this process's own, or one rebuilt from the status (restart, failover). */
  private sessionFor(ctx: ReconcileContext, key: string, object: TCPShift, current: Current | undefined): ShiftSession | undefined {
    const existing = this.sessions.get(key);
    const { stored, storedKey } = this.storedRun(ctx, object);
    if (existing && existing.id.uid === (object.metadata.uid ?? '') && existing.persistedKey === storedKey) {
      if (current) this.followSpec(existing, current);
      return existing;
    }
    if (existing) void this.forget(key);
    const run = (stored && this.storedRunSpec(stored, object)) ?? (current && this.runSpec(current));
    if (!run) return undefined;
    const now = this.deps.clock.now();
    const state = stored ? takenOver(stored.state, now) : initialState(now, planWarnings(run.shift.spec));
    const { namespace, name } = parseKey(key);
    const s = new ShiftSession({ key, namespace, name, uid: object.metadata.uid ?? '' }, run, state, storedKey, ctx.logger);
    this.sessions.set(key, s);
    if (stored && !isTerminal(stored.state.phase)) this.announceTakeOver(s, object, stored.state);
    if (current) this.followSpec(s, current);
    return s;
  }

  private storedRun(ctx: ReconcileContext, object: TCPShift): { stored: StoredRun | undefined; storedKey: string } {
    try {
      const stored = readStoredRun(object.status);
      return { stored, storedKey: stored ? stableJson((object.status as WrittenStatus).engine) : '' };
    } catch (error) {
      if (!(error instanceof EngineRecordError)) throw error;
      ctx.logger.warn('ignoring the status engine record: starting afresh', { error: error.message });
      return { stored: undefined, storedKey: '' };
    }
  }

  private announceTakeOver(s: ShiftSession, object: TCPShift, stored: ShiftState): void {
    const steps = s.run.shift.spec.schedule.steps;
    const where = stored.stepIndex >= 0 ? ` at step ${stored.stepIndex + 1}/${steps.length} (canary ${steps[stored.stepIndex]}%)` : '';
    const message = `controller ${this.deps.identity} took over the shift (${stored.phase}${where}) from its status: probes re-established, no weight written again`;
    this.deps.events.event(object, 'Normal', 'TakenOver', message);
    s.logger.info(message, { event: 'TakenOver' });
  }

  /** The current spec: the same run (paused/onDelete may differ), or the next one once back on stable. */
  private followSpec(s: ShiftSession, current: Current): void {
    const key = runKey(current.resource.spec);
    if (key === s.run.key) {
      s.run = { ...s.run, shift: current.shift, resource: current.resource };
      s.next = undefined;
    } else if (s.next?.key !== key) {
      s.next = this.runSpec(current);
      s.nextSeenAt = s.state;
    }
  }

  private runSpec(current: Current): RunSpec {
    return { shift: current.shift, resource: current.resource, key: runKey(current.resource.spec), router: createRouter(this.deps.kube, current.shift) };
  }

  private storedRunSpec(stored: StoredRun, object: TCPShift): RunSpec | undefined {
    const resolved = resolveStoredSpec(stored.spec, { name: object.metadata.name ?? '', namespace: object.metadata.namespace ?? '' });
    return resolved ? this.runSpec(resolved) : undefined;
  }

  /** Replace the run (back on stable, or never started) by the new spec's, from its first step. */
  private async restart(s: ShiftSession, object: TCPShift): Promise<void> {
    const next = s.next;
    if (!next) return;
    const previous = s.nextSeenAt ?? s.state;
    await s.stopProber();
    s.run = next;
    s.next = undefined;
    s.nextSeenAt = undefined;
    s.state = initialState(this.deps.clock.now(), planWarnings(next.shift.spec));
    const message = restartMessage(previous, object.metadata.generation ?? 0);
    s.pendingCondition = { type: 'Restarted', status: 'True', reason: 'SpecChanged', message };
    this.deps.events.event(object, 'Normal', 'SpecChanged', message);
    s.logger.info(message, { event: 'SpecChanged' });
  }

  /**
   * `tcpshift retry`: an ended shift that did not promote (RolledBack, Aborted, Failed) starts a
   * new run of the same spec from stable. The request is removed first, so it starts one run only.
   */
  private async retryIfAsked(s: ShiftSession, object: TCPShift): Promise<void> {
    const request = annotationRequest(this.newest(s));
    if (request?.action !== 'retry' || !isTerminal(s.state.phase) || s.state.phase === 'promoted') return;
    await this.clearRequest(s);
    await s.stopProber();
    s.state = initialState(this.deps.clock.now(), planWarnings(s.run.shift.spec));
    const message = `retry requested${request.by ? ` by ${request.by}` : ''}: a new run of the same spec from stable`;
    s.pendingCondition = { type: 'Restarted', status: 'True', reason: 'Retried', message };
    this.deps.events.event(object, 'Normal', 'Retried', message);
    s.logger.info(message, { event: 'Retried' });
  }

  /** Deletion: roll the route back first (onDelete: rollback), then let the object go. */
  private async finalize(ctx: ReconcileContext, key: string, object: TCPShift, current: Current | undefined): Promise<ReconcileResult> {
    if (!hasFinalizer(object)) {
      await this.forget(key);
      return {};
    }
    const s = this.sessionFor(ctx, key, object, current);
    if (s) {
      s.next = undefined;
      const onDelete = current?.shift.spec.onDelete ?? s.run.shift.spec.onDelete;
      // Nothing written yet (pending, or Degraded before the first write): nothing to roll back.
      if (onDelete === 'rollback' && !isTerminal(s.state.phase) && !untouched(s.state)) {
        const result = await this.driver.drive(s, { object: this.newest(s), request: effectiveRequest({ object, paused: false, deleting: true }), signal: ctx.signal });
        if (!isTerminal(s.state.phase)) return this.requeue(s, result);
      }
    }
    await this.patchFinalizers(key, s ? this.newest(s) : object, false, s);
    ctx.logger.info('deleted: finalizer removed', { event: 'Deleted' });
    await this.forget(key);
    return {};
  }

  /** A spec the CRD schema accepted but tcpshift's rules reject: Failed + Degraded, nothing written to the route. */
  private async rejectSpec(key: string, object: TCPShift, issues: readonly SpecIssue[]): Promise<ReconcileResult> {
    await this.forget(key);
    const message = `invalid spec: ${issues.map(formatIssue).join('; ')}`;
    const status = invalidSpecStatus(object.status, { reason: 'InvalidSpec', message }, object.metadata.generation ?? 0, this.deps.clock.now());
    if (deepEqual(status, object.status)) return {};
    await this.deps.kube.tcpShifts.replaceStatus({ ...object, status });
    this.deps.events.event(object, 'Warning', 'InvalidSpec', message);
    return {};
  }

  private async setFinalizer(s: ShiftSession, present: boolean): Promise<void> {
    const object = this.newest(s);
    if (hasFinalizer(object) === present || (present && object.metadata.deletionTimestamp)) return;
    await this.patchFinalizers(s.id.key, object, present, s);
  }

  private async patchFinalizers(key: string, object: TCPShift, present: boolean, s: ShiftSession | undefined): Promise<void> {
    if (hasFinalizer(object) === present) return;
    const { namespace, name } = parseKey(key);
    const finalizers = finalizersWith(object, present);
    const body = { metadata: { finalizers: finalizers.length > 0 ? finalizers : null, resourceVersion: object.metadata.resourceVersion } };
    const written = await this.deps.kube.tcpShifts.patch(name, namespace, { type: 'merge', body });
    if (s) s.written = written;
  }

  /** Remove an abort/rollback annotation the ended shift has honoured. */
  private async clearRequest(s: ShiftSession): Promise<void> {
    const object = this.newest(s);
    if (!requestToClear(object)) return;
    const body = { metadata: { annotations: clearedRequest, resourceVersion: object.metadata.resourceVersion } };
    s.written = await this.deps.kube.tcpShifts.patch(s.id.name, s.id.namespace, { type: 'merge', body });
  }

  private newest(s: ShiftSession): TCPShift {
    const cached = this.deps.cache.get(s.id.name, s.id.namespace);
    return cached ? newerOf(cached, s.written) : (s.written as TCPShift);
  }

  private async refresh(key: string, object: TCPShift): Promise<void> {
    const s = this.sessions.get(key);
    const fresh = await this.deps.kube.tcpShifts.find(object.metadata.name ?? '', object.metadata.namespace);
    if (s && fresh) s.written = fresh;
  }

  private async forget(key: string): Promise<void> {
    const s = this.sessions.get(key);
    this.sessions.delete(key);
    const { namespace, name } = parseKey(key);
    this.deps.metrics.forgetShift({ namespace, name });
    void s?.closeHooks(EVENT_DELIVERY_GRACE_MS);
    await s?.stopProber();
    this.deps.probeBudget.release(key);
  }

  private proberHooks(s: ShiftSession): ProberHooks {
    return {
      create: (run) => {
        const address = formatAddress(run.shift.spec.probe.address);
        const admitted = s.admittedProbe;
        // A run other than the current spec's (a stored run being rolled back) never probes.
        if (admitted?.address !== address) throw new Error(`probe address ${address} has not been checked against --probe-allow`);
        this.deps.probeBudget.hold(s.id.key, this.deps.probeCost(run.shift.spec));
        return withMetricChecks(this.deps.createProber(pinnedSpec(run.shift.spec, admitted.host)), run.shift, this.deps.clock);
      },
      attach: (prober) => {
        const offChange = prober.onChange(() => this.deps.wake(s.id.key));
        const offEnd = prober.onEnd((end) => this.deps.metrics.longLivedEnd(end.end, end.detectionMs));
        return () => {
          offChange();
          offEnd();
          this.deps.probeBudget.release(s.id.key);
        };
      },
    };
  }
}

/** The run with its probe pointed at the address --probe-allow admitted (the pre-flight connects too). */
function pinnedRun(s: ShiftSession): ResolvedShift {
  const admitted = s.admittedProbe;
  if (admitted?.address !== formatAddress(s.run.shift.spec.probe.address)) throw new Error(`probe address of ${s.id.key} has not been checked against --probe-allow`);
  return { ...s.run.shift, spec: pinnedSpec(s.run.shift.spec, admitted.host) };
}

/** Nothing written yet: a new spec simply replaces it. */
function untouched(state: ShiftState): boolean {
  return state.phase === 'pending' || (state.phase === 'paused' && state.stepIndex < 0);
}

/** A state adopted from the status by a new process: a step in progress is taken up again (weight in place, new probes). */
function takenOver(state: ShiftState, now: number): ShiftState {
  return state.phase === 'stepping' || state.phase === 'baking' ? resumeState(state, now) : state;
}

function restartMessage(previous: ShiftState, generation: number): string {
  if (isTerminal(previous.phase)) return `spec changed (generation ${generation}) after the shift ended (${previous.phase}): a new shift starts`;
  if (untouched(previous)) return `spec changed (generation ${generation}) before any weight change: restarted with the new spec`;
  return `spec changed (generation ${generation}) during step ${previous.stepIndex + 1}: rolled back to stable, restarted from the first step with the new spec`;
}
