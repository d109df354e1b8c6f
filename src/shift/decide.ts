/**
 * The shift's core, pure: `decide(spec, state, observation, now)` returns the next state, the
 * actions to carry out (write a weight, mark or start a probe step, persist the state) and when
 * to look again. Level-based: it compares what the state wants with what the observation shows
 * (the route's weight, which step the probes measure), so calling it again after a crash, a
 * failover or a lost write does the right thing without repeating or skipping a step. The CLI
 * runner and the controller (issue 8) both drive it.
 */
import type { MetricsObservation } from '../analysis/index.js';
import { canaryVersionOf, type NewConnectionsBlock } from '../probe/index.js';
import type { StepReport } from '../report/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { RouteShape } from '../spec/weighted-route.js';
import { externalChange } from './external-change.js';
import { metricVerdict } from './metric-verdict.js';
import { drainWindow, weightChangeDrains } from './plan.js';
import { assessStep, portReports, preflightBreaches, type Breach, type StepObservation } from './policy.js';
import { phaseOf, withoutStepFields, type RollbackCause, type ShiftPhase, type ShiftState } from './state.js';

export interface RouteObservation {
  /** The owned weights as last read or written. */
  canaryWeight: number;
  stableWeight: number;
  /** When this process's write of these weights was acknowledged; undefined when only read. */
  changedAt?: number;
  /** When that write was sent (the commit, which starts the drain, lies between the two). */
  sentAt?: number;
  /** The route as last seen cannot be shifted any more (a RoutingError: another destination carries traffic, ...). */
  refusal?: string;
  /** Canary weights of writes sent and not answered yet, oldest first: any of them may still land. */
  inFlight?: number[];
  /** The owned entries' shape as read (kept as the original before the first write). */
  shape?: RouteShape;
}

export interface ProbeStatus {
  /** The initial long-lived connections have each opened or failed once. */
  ready: boolean;
  /** The step the probes measure (the last markStep); undefined before the first. */
  stepIndex: number | undefined;
  /** Sampling of new connections was started for stepIndex. */
  sampling: boolean;
  /** What they saw since the mark (or since they started, before any mark). */
  observation: StepObservation;
  /** The metric checks' evaluations in the step (spec.analysis.metrics): a separate input to the verdict. */
  metrics?: MetricsObservation;
}

/**
 * `promote` ends the bake of one step now (the step it was asked at, so a request left on the
 * object never ends a later step's bake); `promote-full` writes canary 100 at once, skipping the
 * remaining steps. `retry` asks the controller to start an ended shift again; the engine ignores it.
 */
export type OperatorAction = 'abort' | 'rollback' | 'pause' | 'promote' | 'promote-full' | 'retry';

export interface OperatorRequest {
  action: OperatorAction;
  /** promote: the step (counted from 1) whose bake it ends. */
  step?: number;
  /** Who asked: `user@host pid 123`, `interrupt (SIGINT)`, `controller`. */
  by?: string;
}

export interface Observation {
  route: RouteObservation;
  probe: ProbeStatus;
  request?: OperatorRequest;
}

export type WeightPurpose = 'step' | 'promote' | 'rollback';

export type Action =
  /** Write canary W (stable 100 - W); the CLI writes the returned state in the same patch. */
  | { type: 'setWeight'; canaryWeight: number; purpose: WeightPurpose }
  /** Start a new measurement period for this step (stops the previous step's sampling). */
  | { type: 'markStep'; stepIndex: number }
  /** The step's weight is on the route: announce the change (if this run made it) and sample. */
  | { type: 'startSampling'; stepIndex: number; targetShare: number; weightChange?: { at: number; window?: [number, number] } }
  | { type: 'stopSampling' }
  /** Write the state alone (terminal phases, pause). */
  | { type: 'persist' };

export type ShiftEventType =
  | 'StepStarted'
  | 'StepPassed'
  | 'Breach'
  | 'RollingBack'
  | 'RolledBack'
  | 'Promoting'
  | 'Promoted'
  | 'Aborted'
  | 'Paused'
  | 'Resumed'
  | 'Failed'
  | 'ExternalChange';

/** What happened, for progress lines, logs and (controller) Kubernetes Events. */
export interface ShiftEvent {
  type: ShiftEventType;
  message: string;
  stepIndex?: number;
  warning: boolean;
}

export interface Decision {
  state: ShiftState;
  actions: Action[];
  events: ShiftEvent[];
  /** Call decide again at this time (epoch ms) even if nothing else happens. */
  wakeAt?: number;
}

const MAX_CHAINED_TRANSITIONS = 8;
/** While a finished bake waits for a metric check, look again at least this often. */
const METRIC_HOLD_RECHECK_MS = 1000;

export function decide(spec: ResolvedSpec, state: ShiftState, observation: Observation, now: number): Decision {
  let decision: Decision = { state, actions: [], events: [] };
  // A transition may lead straight to another (a breach to rolling-back to "write canary 0"):
  // follow it within the same call, so one observation yields every action it implies.
  for (let i = 0; i < MAX_CHAINED_TRANSITIONS; i++) {
    const step = decideOnce(spec, decision.state, observation, now);
    decision = {
      state: step.state,
      actions: [...decision.actions, ...step.actions],
      events: [...decision.events, ...step.events],
      ...(step.wakeAt !== undefined ? { wakeAt: step.wakeAt } : {}),
    };
    if (step.state.phase === state.phase && step.state.stepIndex === state.stepIndex) break;
    if (!step.chain) break;
    state = step.state;
  }
  return decision;
}

interface StepDecision extends Decision {
  /** The phase changed and the new phase has work to do with the same observation. */
  chain?: boolean;
}

function decideOnce(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number): StepDecision {
  const request = handleRequest(spec, state, obs, now);
  if (request) return request;
  switch (state.phase) {
    case 'pending':
      return decidePending(spec, state, obs, now);
    case 'stepping':
      return decideStepping(spec, state, obs, now);
    case 'baking':
      return decideBaking(spec, state, obs, now);
    case 'promoting':
      return decidePromoting(state, obs, now);
    case 'rolling-back':
      return decideRollingBack(state, obs, now);
    case 'paused':
      if (heldByExternalChange(spec, state, obs)) return { state, actions: [], events: [] };
      return { state: { ...resumeState(state, now), updatedAt: now }, actions: [], events: [resumedEvent(state)], chain: true };
    default:
      return { state, actions: [], events: [] };
  }
}

const stepName = (spec: ResolvedSpec, i: number): string => `step ${i + 1}/${spec.schedule.steps.length}`;
const weights = (canary: number): string => `canary ${canary}% (stable ${100 - canary}%)`;

function handleRequest(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number): StepDecision | undefined {
  const request = obs.request;
  const phase = state.phase;
  if (!request || request.action === 'retry' || phase === 'rolling-back' || TERMINAL.has(phase)) return undefined;
  const by = request.by ? ` by ${request.by}` : '';
  if (request.action === 'promote' || request.action === 'promote-full') return promoteRequest(spec, state, obs, now, request, by);
  if (request.action === 'pause') {
    // A pause asked for while the engine holds one (external change) becomes an ordinary pause: unpausing resumes it.
    if (phase === 'paused') {
      const { pausedBy: _held, ...ordinary } = state;
      return { state: ordinary, actions: [], events: [] };
    }
    // A step paused mid-bake is recorded as interrupted, so the report keeps the weight it held during the pause.
    const steps = [...state.steps, ...cutShort(spec, state, obs, now, `paused${by}`)];
    const paused: ShiftState = { ...withoutStepFields(state), steps, phase: 'paused', pausedFrom: phase, reason: `paused${by}`, updatedAt: now };
    return {
      state: paused,
      actions: [{ type: 'stopSampling' }, { type: 'persist' }],
      events: [{ type: 'Paused', message: `paused${by} at ${state.stepIndex < 0 ? 'the start' : stepName(spec, state.stepIndex)}; weights left as they are`, warning: false }],
    };
  }
  const abort = request.action === 'abort';
  const reason = abort ? `aborted${by}` : `rollback requested${by}`;
  if (phase === 'pending' || (phase === 'paused' && state.stepIndex < 0 && state.pausedFrom === 'pending')) {
    const ended: ShiftState = { ...state, phase: 'aborted', reason: `${reason} before any weight change`, endedAt: now, updatedAt: now };
    return { state: ended, actions: [{ type: 'stopSampling' }, { type: 'persist' }], events: [{ type: 'Aborted', message: ended.reason ?? reason, warning: true }] };
  }
  const steps = [...state.steps, ...cutShort(spec, state, obs, now, reason)];
  return startRollback(spec, { ...state, steps }, { cause: 'operator', reason, detectedAt: now, abort }, now);
}

/**
 * A promote request: while the asked step bakes, its bake ends now (the step is judged on what
 * its probes saw so far, breaches included); `promote-full` from a step (stepping or baking)
 * goes straight to canary 100. Anything else (pending, paused, promoting, another step) ignores it.
 */
function promoteRequest(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number, request: OperatorRequest, by: string): StepDecision | undefined {
  const stepping = state.phase === 'stepping' || state.phase === 'baking';
  if (!stepping) return undefined;
  if (request.action === 'promote') {
    if (state.phase !== 'baking' || request.step !== state.stepIndex + 1 || (state.bakeUntil ?? now) <= now) return undefined;
    const note = `bake ended early: promote requested${by}`;
    return decideBaking(spec, { ...state, bakeUntil: now, stepNotes: [...(state.stepNotes ?? []), note] }, obs, now);
  }
  const reason = `promote --full requested${by}`;
  const steps = state.phase === 'baking' ? [...state.steps, stepReport(spec, state, obs, now, 'interrupted', [reason], [])] : state.steps;
  const promoting: ShiftState = { ...withoutStepFields(state), steps, phase: 'promoting', updatedAt: now };
  return { state: promoting, actions: [{ type: 'stopSampling' }], events: [{ type: 'Promoting', message: `${reason}: skipping the remaining steps, canary 100%`, warning: false }], chain: true };
}

const TERMINAL = new Set<ShiftPhase>(['promoted', 'rolled-back', 'aborted', 'failed']);

function decidePending(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number): StepDecision {
  if (!obs.probe.ready) return { state, actions: [], events: [] };
  const preflight = preflightBreaches(obs.probe.observation.longLived);
  if (preflight.length > 0) {
    const failed: ShiftState = { ...state, phase: 'failed', reason: preflight[0]!.message, endedAt: now, updatedAt: now };
    return { state: failed, actions: [{ type: 'stopSampling' }, { type: 'persist' }], events: [{ type: 'Failed', message: failed.reason ?? '', warning: true }] };
  }
  const original = { stable: obs.route.stableWeight, canary: obs.route.canaryWeight };
  const shape = obs.route.shape ? { originalShape: obs.route.shape } : {};
  return { state: { ...state, phase: 'stepping', stepIndex: 0, original, ...shape, updatedAt: now }, actions: [], events: [], chain: true };
}

function decideStepping(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number): StepDecision {
  const i = state.stepIndex;
  const target = spec.schedule.steps[i] as number;
  if (obs.probe.stepIndex !== i) {
    // Measure from here: ends while the weight is written count for this step.
    const marked = decideSteppingMarked(spec, state, { ...obs, probe: { ...obs.probe, stepIndex: i, sampling: false } }, now, target);
    return { ...marked, actions: [{ type: 'markStep', stepIndex: i }, ...marked.actions] };
  }
  const breaches = assessStep(spec, { longLived: obs.probe.observation.longLived, samplingDone: false }, false, now).breaches;
  if (breaches.length > 0) return breach(spec, state, obs, now, breaches, now);
  return decideSteppingMarked(spec, state, obs, now, target);
}

function decideSteppingMarked(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number, target: number): StepDecision {
  const i = state.stepIndex;
  if (obs.route.canaryWeight !== target) {
    return { state: { ...state, updatedAt: now }, actions: [{ type: 'setWeight', canaryWeight: target, purpose: 'step' }], events: [] };
  }
  const { changedAt, sentAt } = obs.route;
  // Strategy locality: a weight change drains nothing, so there is no drain window.
  const window = changedAt === undefined || !weightChangeDrains(spec) ? undefined : drainWindow(changedAt, spec.analysis.drainDurationMs, sentAt);
  const baking: ShiftState = {
    ...withoutStepFields(state),
    phase: 'baking',
    probeStartedAt: now,
    bakeUntil: now + spec.schedule.bakeMs,
    updatedAt: now,
    ...(changedAt !== undefined ? { weightChangedAt: changedAt } : {}),
    ...(changedAt !== undefined && window ? { drainWindow: window } : {}),
  };
  const already = changedAt === undefined ? ' (already in place)' : '';
  return {
    state: baking,
    actions: [startSampling(i, target, changedAt, window)],
    events: [{ type: 'StepStarted', stepIndex: i, message: `${stepName(spec, i)}: ${weights(target)}${already}`, warning: false }],
    wakeAt: baking.bakeUntil,
  };
}

function startSampling(stepIndex: number, target: number, changedAt: number | undefined, window: [number, number] | undefined): Action {
  return {
    type: 'startSampling',
    stepIndex,
    targetShare: target / 100,
    ...(changedAt !== undefined ? { weightChange: { at: changedAt, ...(window ? { window } : {}) } } : {}),
  };
}

function decideBaking(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number): StepDecision {
  const i = state.stepIndex;
  const target = spec.schedule.steps[i] as number;
  if (obs.probe.stepIndex !== i || !obs.probe.sampling) {
    // Probes were lost (restart, failover): measure the step again from now, for a whole bake.
    const actions: Action[] = obs.probe.stepIndex !== i ? [{ type: 'markStep', stepIndex: i }] : [];
    actions.push(startSampling(i, target, state.weightChangedAt, state.drainWindow));
    const note = 'probes re-established during the step: the bake counts from then';
    const resumed: ShiftState = { ...state, probeStartedAt: now, bakeUntil: now + spec.schedule.bakeMs, stepNotes: [...(state.stepNotes ?? []), note], updatedAt: now };
    return { state: resumed, actions, events: [], wakeAt: resumed.bakeUntil };
  }
  const external = externalChange(obs.route, target);
  if (external !== undefined) return onExternalChange(spec, state, obs, now, external);
  const bakeUntil = state.bakeUntil ?? now;
  const final = now >= bakeUntil;
  const assessment = assessStep(spec, obs.probe.observation, final, now);
  const metrics = metricVerdict(spec, state, obs.probe.metrics);
  const breaches = [...assessment.breaches, ...metrics.breaches].sort((a, b) => a.at - b.at);
  if (breaches.length > 0) return breach(spec, state, obs, now, breaches, now, assessment.notes);
  if (!final) return { state, actions: [], events: [], wakeAt: bakeUntil };
  // The bake is over but a metric check has not spoken yet: hold the step (the evaluator wakes us).
  if (metrics.awaiting.length > 0) return { state, actions: [], events: [], wakeAt: now + METRIC_HOLD_RECHECK_MS };
  const passed = stepReport(spec, state, obs, now, 'ok', [], assessment.notes);
  const event: ShiftEvent = { type: 'StepPassed', stepIndex: i, message: `${stepName(spec, i)} passed: ${weights(target)}`, warning: false };
  const next: ShiftState = { ...withoutStepFields(state), steps: [...state.steps, passed], updatedAt: now };
  if (i + 1 < spec.schedule.steps.length) {
    return { state: { ...next, phase: 'stepping', stepIndex: i + 1 }, actions: [], events: [event], chain: true };
  }
  if (target === 100) return finish(next, 'promoted', `every step passed; canary at 100%`, now, [event]);
  const promoting: ShiftState = { ...next, phase: 'promoting' };
  const promotingEvent: ShiftEvent = { type: 'Promoting', message: `every step passed: promoting (canary 100%)`, warning: false };
  return { state: promoting, actions: [{ type: 'stopSampling' }], events: [event, promotingEvent], chain: true };
}

/** The route no longer carries the baking step's weights: the step cannot pass; do what the spec says. */
function onExternalChange(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number, reason: string): StepDecision {
  const choice = spec.analysis.onExternalChange;
  if (choice === 'rollback') return breach(spec, state, obs, now, [{ kind: 'external-change', at: now, message: reason }], now);
  const i = state.stepIndex;
  const interrupted = stepReport(spec, state, obs, now, 'interrupted', [reason], []);
  const detected: ShiftEvent = { type: 'ExternalChange', stepIndex: i, message: `${stepName(spec, i)}: ${reason}`, warning: true };
  const base: ShiftState = { ...withoutStepFields(state), steps: [...state.steps, interrupted], updatedAt: now };
  if (choice === 'reassert') {
    const again: ShiftEvent = { type: 'StepStarted', stepIndex: i, message: `${stepName(spec, i)}: writing its weights again and baking it afresh (onExternalChange: reassert)`, warning: false };
    return { state: { ...base, phase: 'stepping' }, actions: [{ type: 'stopSampling' }, { type: 'markStep', stepIndex: i }], events: [detected, again], chain: true };
  }
  const paused: ShiftState = { ...base, phase: 'paused', pausedFrom: 'stepping', pausedBy: 'external-change', reason: `paused: ${reason}` };
  const hint = 'weights left as they are; put them back to continue (controller), or resume, abort or roll it back';
  return {
    state: paused,
    actions: [{ type: 'stopSampling' }, { type: 'persist' }],
    events: [detected, { type: 'Paused', stepIndex: i, message: `paused at ${stepName(spec, i)} (onExternalChange: pause): ${hint}`, warning: true }],
  };
}

/** A pause by an external change holds while the route still differs from the step's weights. */
function heldByExternalChange(spec: ResolvedSpec, state: ShiftState, obs: Observation): boolean {
  if (state.pausedBy !== 'external-change') return false;
  const target = spec.schedule.steps[state.stepIndex];
  return target === undefined || externalChange(obs.route, target) !== undefined;
}

function decidePromoting(state: ShiftState, obs: Observation, now: number): StepDecision {
  if (obs.route.canaryWeight === 100) return finish(state, 'promoted', 'every step passed; canary at 100%', now, []);
  return { state: { ...state, updatedAt: now }, actions: [{ type: 'setWeight', canaryWeight: 100, purpose: 'promote' }], events: [] };
}

function decideRollingBack(state: ShiftState, obs: Observation, now: number): StepDecision {
  const rollback = state.rollback;
  const inFlight = obs.route.inFlight ?? [];
  // A step's write still unanswered may yet land: canary 0 must be written (after it) and acknowledged.
  if (obs.route.canaryWeight !== 0 || inFlight.some((w) => w !== 0) || !rollback) {
    return { state: { ...state, updatedAt: now }, actions: [{ type: 'setWeight', canaryWeight: 0, purpose: 'rollback' }], events: [] };
  }
  if (inFlight.length > 0) return { state, actions: [], events: [] };
  const restored = { ...rollback, restoredAt: obs.route.changedAt ?? now };
  const phase: ShiftPhase = rollback.cause === 'error' ? 'failed' : rollback.cause === 'operator' && rollback.abort ? 'aborted' : 'rolled-back';
  return finish({ ...state, rollback: restored }, phase, rollback.reason, now, []);
}

function finish(state: ShiftState, phase: ShiftPhase, reason: string, now: number, events: ShiftEvent[]): StepDecision {
  const ended: ShiftState = { ...withoutStepFields(state), phase, reason, endedAt: now, updatedAt: now };
  const type = phaseOf({ phase }) as Extract<ShiftEventType, 'Promoted' | 'RolledBack' | 'Aborted' | 'Failed'>;
  const message = phase === 'promoted' ? `Promoted: ${reason}` : `${phaseOf({ phase })}: canary at 0% (${reason})`;
  return {
    state: ended,
    actions: [{ type: 'stopSampling' }, { type: 'persist' }],
    events: [...events, { type, message, warning: phase !== 'promoted' }],
  };
}

function breach(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number, breaches: Breach[], at: number, notes: string[] = []): StepDecision {
  const reasons = breaches.map((b) => b.message);
  const record = stepReport(spec, state, obs, now, 'breach', reasons, notes);
  const first = breaches[0] as Breach;
  const events: ShiftEvent[] = [{ type: 'Breach', stepIndex: state.stepIndex, message: `${stepName(spec, state.stepIndex)} breach: ${reasons.join('; ')}`, warning: true }];
  const rolling = startRollback(spec, { ...state, steps: [...state.steps, record] }, { cause: 'breach', reason: first.message, detectedAt: Math.min(first.at, at) }, now);
  return { ...rolling, events: [...events, ...rolling.events] };
}

function startRollback(
  _spec: ResolvedSpec,
  state: ShiftState,
  rollback: { cause: RollbackCause; reason: string; detectedAt: number; abort?: boolean },
  now: number,
): StepDecision {
  const next: ShiftState = { ...withoutStepFields(state), phase: 'rolling-back', rollback, updatedAt: now };
  return {
    state: next,
    actions: [{ type: 'stopSampling' }],
    events: [{ type: 'RollingBack', message: `rolling back to stable: ${rollback.reason}`, warning: true }],
    chain: true,
  };
}

/**
 * The step an operator request cuts short, as a record: one baking, or one whose weight is
 * already on the route while its bake has not begun (the write was acknowledged, the engine had
 * not yet seen it). None before a step's weight is in place.
 */
function cutShort(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number, reason: string): StepReport[] {
  const inPlace = state.phase === 'stepping' && obs.route.canaryWeight === spec.schedule.steps[state.stepIndex];
  if (state.phase !== 'baking' && !inPlace) return [];
  const changedAt = state.phase === 'stepping' ? obs.route.changedAt : undefined;
  return [interruptedStep(spec, changedAt === undefined ? state : { ...state, weightChangedAt: changedAt }, obs, now, reason)];
}

/** The step that was cut short by an operator request (abort, rollback, pause), as a record: `interrupted`, never `ok`. */
function interruptedStep(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number, reason: string): StepReport {
  return stepReport(spec, state, obs, now, 'interrupted', [reason], []);
}

function stepReport(spec: ResolvedSpec, state: ShiftState, obs: Observation, now: number, verdict: StepReport['verdict'], reasons: string[], notes: string[]): StepReport {
  const observation = obs.probe.stepIndex === state.stepIndex ? obs.probe.observation : { longLived: emptyLongLived(), samplingDone: false };
  return {
    index: state.stepIndex,
    targetWeight: spec.schedule.steps[state.stepIndex] as number,
    startedAt: state.weightChangedAt ?? state.probeStartedAt ?? now,
    endedAt: now,
    verdict,
    reasons,
    newConnections: observation.newConnections ?? emptyNewConnections(spec),
    longLived: observation.longLived,
    reconnectWave: observation.longLived.ends.drained,
    drainWindow: state.drainWindow ?? null,
    notes: [...(state.stepNotes ?? []), ...notes],
    ...metricResults(spec, state, obs),
    ...portReports(observation),
  };
}

/** The step's `metrics` for the report, when the spec has checks. */
function metricResults(spec: ResolvedSpec, state: ShiftState, obs: Observation): Pick<StepReport, 'metrics'> {
  const results = metricVerdict(spec, state, obs.probe.metrics).results;
  return results ? { metrics: results } : {};
}

function emptyLongLived(): StepObservation['longLived'] {
  return { open: 0, heartbeats: 0, ends: { drained: 0, closed: 0, reset: 0, timeout: 0, corrupt: 0, refused: 0 }, maxDetectionMs: null, connections: [] };
}

/** The newConnections block of a step that sampled nothing. */
export function emptyNewConnections(spec: ResolvedSpec): NewConnectionsBlock {
  return {
    attempted: 0,
    succeeded: 0,
    failed: 0,
    byVersion: {},
    canaryVersion: canaryVersionFor(spec),
    observedCanaryShare: null,
    interval: [0, 1],
    connectMs: { p50: null, p99: null },
    ttfbMs: { p50: null, p99: null },
    failuresByKind: { refused: 0, timeout: 0, reset: 0, closed: 0, corrupt: 0, unidentified: 0 },
  };
}

/**
 * The version counted as canary: the CANARY prefix in prefix mode; otherwise the canary subset
 * (Istio: pods are labelled version=<subset>, which tcpshift-echo prints in its banner), or v2
 * for Gateway API (a Service name says nothing about the version).
 */
export function canaryVersionFor(spec: ResolvedSpec): string {
  if (spec.probe.identify.mode === 'prefix') return spec.probe.identify.canary;
  return canaryVersionOf(spec.probe.identify, spec.provider === 'istio' ? spec.canary.subset : undefined);
}

function resumedEvent(state: ShiftState): ShiftEvent {
  return { type: 'Resumed', message: `resumed from ${state.phase}${state.stepIndex >= 0 ? ` at step ${state.stepIndex + 1}` : ''}`, warning: false };
}

/**
 * Where an interrupted shift continues (`resume`, a failover, unpausing): a paused or dead
 * holder's step is taken up again (its weight is not written twice: decide sees it in place and
 * bakes it afresh, with new probes); a rollback or promotion in flight is finished.
 */
export function resumeState(state: ShiftState, now: number): ShiftState {
  const base = withoutStepFields(state);
  switch (state.phase) {
    case 'paused': {
      const from = state.pausedFrom ?? (state.stepIndex < 0 ? 'pending' : 'stepping');
      const phase: ShiftPhase = from === 'promoting' ? 'promoting' : from === 'pending' || state.stepIndex < 0 ? 'pending' : 'stepping';
      const { reason: _r, ...rest } = base;
      return { ...rest, phase, updatedAt: now };
    }
    case 'baking':
    case 'stepping':
      return { ...base, phase: 'stepping', updatedAt: now };
    default:
      return { ...base, phase: state.phase, updatedAt: now };
  }
}

/** A shift that cannot go on (a write failed for good): roll back with cause `error`. */
export function failShift(spec: ResolvedSpec, state: ShiftState, reason: string, now: number): ShiftState {
  if (state.phase === 'rolling-back' || TERMINAL.has(state.phase)) {
    return { ...withoutStepFields(state), phase: 'failed', reason, endedAt: now, updatedAt: now };
  }
  return startRollback(spec, state, { cause: 'error', reason, detectedAt: now }, now).state;
}
