/**
 * One shift as a person reads it, whoever runs it (a CLI process or the controller): what
 * `status -o json|yaml`, `get`/`list` and `status -w` show. The phase is the one vocabulary of
 * src/spec/phase.ts, steps are numbered from 1, timestamps are ISO 8601 (the engine's stored
 * state keeps epoch ms and 0-based indices; it is not shown as is).
 */
import type { TCPShift } from '../kube/index.js';
import type { StepReport } from '../report/index.js';
import { lockState, phaseOf, readProbes, readProbeTotals, readRequest, type ProbeTotals, type RollbackState, type ShiftState } from '../shift/index.js';
import { readStoredRun, type StoredRun } from '../controller/index.js';
import { readPhase, type Phase } from '../spec/phase.js';
import { localProcesses } from './process-probe.js';
import type { CliShift, ControllerShift, FoundShift } from './shift-target.js';

/** What the engine does inside `Progressing`; `holder-dead` when the CLI process that ran it is gone. */
export type Activity = 'stepping' | 'baking' | 'promoting' | 'rolling-back' | 'holder-dead';

export interface StepView {
  number: number;
  canaryWeight: number;
  verdict: string;
  startedAt: string;
  endedAt: string;
  reasons: string[];
  notes: string[];
  newConnections: { attempted: number; succeeded: number; failed: number; observedCanaryShare: number | null; split: string | null };
  reconnectWave: number;
}

export interface RollbackView {
  cause: string;
  reason: string;
  detectedAt: string;
  restoredAt: string | null;
  detectionToRestoreMs: number | null;
}

export interface ShiftView {
  managedBy: 'cli' | 'controller';
  name: string;
  namespace: string;
  /** What is shifted, e.g. `VirtualService echo/echo`. */
  target: string;
  phase: Phase;
  activity?: Activity;
  /** The current step (number 0 before the first), of how many, and its canary weight. */
  step: { number: number; of: number; canaryWeight: number | null };
  /** The route's owned weights now (CLI: read from the route; controller: its status). */
  weights: { stable: number; canary: number } | null;
  bakeEndsAt?: string;
  /** CLI shifts: the process holding the route's lock; controller shifts: none (the Lease holder runs it). */
  holder: { identity: string; expiresAt: string; alive: boolean } | null;
  request: { action: string; by?: string } | null;
  startedAt?: string;
  endedAt?: string;
  reason?: string;
  /** The running shift's probe counters as last published (CLI: on the route, every few seconds; controller: status.probes, at most every --status-interval). */
  probes?: ProbeTotals;
  steps: StepView[];
  rollback?: RollbackView;
  /** Controller shifts: the status conditions and the current step's split test. */
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  split?: Record<string, unknown>;
  /** A CLI shift of this name whose state on the route this TCPShift's later run made stale. */
  supersedes?: { cliShift: string; route: string };
}

const iso = (ms: number): string => new Date(ms).toISOString();

function stepView(step: StepReport): StepView {
  const n = step.newConnections;
  return {
    number: step.index + 1,
    canaryWeight: step.targetWeight,
    verdict: step.verdict,
    startedAt: iso(step.startedAt),
    endedAt: iso(step.endedAt),
    reasons: step.reasons,
    notes: step.notes,
    newConnections: { attempted: n.attempted, succeeded: n.succeeded, failed: n.failed, observedCanaryShare: n.observedCanaryShare, split: n.split?.decision ?? null },
    reconnectWave: step.reconnectWave,
  };
}

function rollbackView(rollback: RollbackState): RollbackView {
  const restored = rollback.restoredAt ?? null;
  return {
    cause: rollback.cause,
    reason: rollback.reason,
    detectedAt: iso(rollback.detectedAt),
    restoredAt: restored === null ? null : iso(restored),
    detectionToRestoreMs: restored === null ? null : Math.max(0, restored - rollback.detectedAt),
  };
}

/** The engine's step within Progressing; a step's write carries `stepping`, so one whose weight is on the route bakes. */
function activityOf(state: ShiftState, canary: number | undefined, steps: readonly number[]): Activity | undefined {
  if (phaseOf(state) !== 'Progressing') return undefined;
  if (state.phase === 'stepping' && canary !== undefined && steps[state.stepIndex] === canary) return 'baking';
  return state.phase as Activity;
}

/** The parts every shift has, from its engine state. */
function stateParts(state: ShiftState | undefined, steps: readonly number[], canary: number | undefined, bakeMs: number): Partial<ShiftView> & Pick<ShiftView, 'steps' | 'step'> {
  const index = state?.stepIndex ?? -1;
  const step = { number: index + 1, of: steps.length, canaryWeight: steps[index] ?? null };
  if (!state) return { step, steps: [] };
  const activity = activityOf(state, canary, steps);
  const bakeUntil = activity === 'baking' ? (state.bakeUntil ?? state.updatedAt + bakeMs) : undefined;
  return {
    phase: phaseOf(state),
    ...(activity ? { activity } : {}),
    step,
    ...(bakeUntil !== undefined ? { bakeEndsAt: iso(bakeUntil) } : {}),
    startedAt: iso(state.startedAt),
    ...(state.endedAt !== undefined ? { endedAt: iso(state.endedAt) } : {}),
    ...(state.reason !== undefined ? { reason: state.reason } : {}),
    steps: state.steps.map(stepView),
    ...(state.rollback ? { rollback: rollbackView(state.rollback) } : {}),
  };
}

export function cliView(found: CliShift, now: number): ShiftView {
  const { state, snapshot, shift } = found;
  const lock = lockState(snapshot.annotations, now, localProcesses);
  const parts = stateParts(state, shift.spec.schedule.steps, snapshot.weights.canary, shift.spec.schedule.bakeMs);
  const holder = lock.kind === 'free' ? null : { identity: lock.holder.identity, expiresAt: iso(lock.holder.expiresAt), alive: lock.kind === 'held' };
  const running = parts.phase === 'Progressing' || parts.phase === 'Pending';
  const orphaned = running && holder?.alive !== true;
  const { bakeEndsAt, ...rest } = parts;
  const probes = readProbes(snapshot.annotations);
  return {
    managedBy: 'cli',
    name: found.name,
    namespace: found.namespace,
    target: found.router.description,
    phase: parts.phase ?? 'Pending',
    ...rest,
    ...(orphaned ? { activity: 'holder-dead' as const } : bakeEndsAt ? { bakeEndsAt } : {}),
    weights: { stable: snapshot.weights.stable, canary: snapshot.weights.canary },
    holder,
    request: readRequest(snapshot.annotations) ?? null,
    ...(probes && running && !orphaned ? { probes } : {}),
  };
}

interface StatusFields {
  phase?: string;
  currentStep?: number;
  weights?: { stable: number; canary: number };
  conditions?: ShiftView['conditions'];
  split?: Record<string, unknown>;
  probes?: unknown;
}

export function controllerView(found: ControllerShift, target: string): ShiftView {
  const status = (found.object.status ?? {}) as StatusFields;
  const run = storedRun(found.object);
  const steps = ((run?.spec.schedule ?? found.object.spec?.schedule) as { steps?: number[] } | undefined)?.steps ?? [];
  const parts = stateParts(run?.state, steps, status.weights?.canary, 0);
  if (!run && status.currentStep !== undefined) parts.step = { number: status.currentStep, of: steps.length, canaryWeight: steps[status.currentStep - 1] ?? null };
  const { bakeEndsAt: _none, ...rest } = parts;
  const bakeUntil = run?.state.phase === 'baking' ? run.state.bakeUntil : undefined;
  const split = status.split && status.split.step === run?.state.stepIndex ? { split: status.split } : {};
  const phase = readPhase(status.phase) ?? parts.phase ?? 'Pending';
  const probes = phase === 'Progressing' || phase === 'Pending' ? readProbeTotals(status.probes) : undefined;
  return {
    managedBy: 'controller',
    name: found.name,
    namespace: found.namespace,
    target,
    ...rest,
    phase,
    ...(bakeUntil !== undefined ? { bakeEndsAt: iso(bakeUntil) } : {}),
    weights: status.weights ?? null,
    holder: null,
    request: readRequest(found.object.metadata.annotations ?? {}) ?? null,
    conditions: status.conditions ?? [],
    ...split,
    ...(probes ? { probes } : {}),
    ...(found.supersedes ? { supersedes: { cliShift: found.supersedes.name, route: found.supersedes.route } } : {}),
  };
}

/** The engine run in a TCPShift's status; undefined when it has none or it is not readable. */
export function storedRun(object: TCPShift): StoredRun | undefined {
  try {
    return readStoredRun(object.status);
  } catch {
    return undefined;
  }
}

export function shiftView(found: FoundShift, now: number, target: (found: ControllerShift) => string): ShiftView {
  return found.kind === 'cli' ? cliView(found, now) : controllerView(found, target(found));
}
