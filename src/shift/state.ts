/**
 * The serializable state of one shift: what `decide` reads and returns, what the CLI keeps on the
 * route's annotations and the controller in TCPShift .status. Plain JSON (numbers, strings,
 * arrays), so it survives a process restart or a leader failover unchanged.
 */
import type { ShiftOutcome, StepReport, WeightPair } from '../report/index.js';
import { readPhase, type Phase } from '../spec/phase.js';
import type { RouteShape } from '../spec/weighted-route.js';

export type ShiftPhase =
  /** Probes are opening; nothing written yet. */
  | 'pending'
  /** The weight of `stepIndex` is to be written (or was, and its probing starts). */
  | 'stepping'
  /** The step's weight is on the route and its probes run until bakeUntil. */
  | 'baking'
  /** Every step passed and the last step was below 100: canary 100 is to be written. */
  | 'promoting'
  /** Canary weight 0 is to be written (a breach, an operator request or an error). */
  | 'rolling-back'
  /**
   * Held at a gate before the next weight write (`gate`): a schedule pause, or hooks
   * (confirm-step, confirm-promotion, pre-step). The current step's weight stays and its probes
   * keep running (a breach rolls back at once); a person reads Progressing, activity `waiting`.
   */
  | 'waiting'
  /** Stopped by request with the weights left as they are; `resume` continues the current step. */
  | 'paused'
  | 'promoted'
  | 'rolled-back'
  | 'aborted'
  | 'failed';

export const SHIFT_PHASE_NAMES: readonly ShiftPhase[] = [
  'pending', 'stepping', 'baking', 'waiting', 'promoting', 'rolling-back', 'paused', 'promoted', 'rolled-back', 'aborted', 'failed',
];

export const TERMINAL_PHASES: readonly ShiftPhase[] = ['promoted', 'rolled-back', 'aborted', 'failed'];

export function isTerminal(phase: ShiftPhase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

/** The phase a person reads for this state (src/spec/phase.ts): an abort is Aborted, not RolledBack. */
export function phaseOf(state: Pick<ShiftState, 'phase'>): Phase {
  return readPhase(state.phase) ?? 'Failed';
}

/** Why a rollback happens: a probe breach, an operator (abort, rollback, Ctrl-C) or an error. */
export type RollbackCause = 'breach' | 'operator' | 'error';

export interface RollbackState {
  cause: RollbackCause;
  reason: string;
  detectedAt: number;
  /** When canary 0 was acknowledged. */
  restoredAt?: number;
  /** The request was `abort` (ends `aborted`) rather than `rollback`. */
  abort?: boolean;
}

/** What holds a shift at a gate: a schedule pause, or the hooks of that type (src/shift/hook-port.ts). */
export type GateKind = 'pause' | GateHookType;
export type GateHookType = 'confirm-step' | 'confirm-promotion' | 'pre-step';
export const GATE_HOOK_TYPES: readonly GateHookType[] = ['confirm-step', 'confirm-promotion', 'pre-step'];

/**
 * A gate the shift waits at. People read "the gate after step N": N = afterStep + 1, the step whose
 * weight stays in place; the write it holds is the next step's (or, after the last, canary 100).
 */
export interface GateState {
  kind: GateKind;
  /** The step in place, 0-based; -1 before the first step (hooks gate the first write too). */
  afterStep: number;
  /** When the shift reached the gate (epoch ms). */
  since: number;
  /** A timed pause opens by itself at this time (absolute, so a restart keeps the time left). */
  until?: number;
}

/** A gate passed, for the report. */
export interface GateRecord extends GateState {
  openedAt: number;
  /** Why it opened: `promoted by ...`, `time up`, `confirm-step hooks answered ok`. */
  openedBy: string;
}

export interface ShiftState {
  /** Format version of this document. */
  version: 1;
  phase: ShiftPhase;
  /** Index of the current step in schedule.steps; -1 before the first. */
  stepIndex: number;
  startedAt: number;
  updatedAt: number;
  endedAt?: number;
  /** Weights of the route when the shift began (before its first write). */
  original?: WeightPair;
  /** Which owned entries existed then and their weight fields: a rollback puts this shape back. */
  originalShape?: RouteShape;
  /** baking: when the step's weight was acknowledged; absent when it was already in place. */
  weightChangedAt?: number;
  /** baking: when the drain of this step's weight change is expected, [from, to]. */
  drainWindow?: [number, number];
  /** baking: when probing of the step began; the bake counts from here. */
  probeStartedAt?: number;
  bakeUntil?: number;
  /** baking: remarks on the current step so far (probes re-established, ...). */
  stepNotes?: string[];
  /** paused: the phase to go back to on resume. */
  pausedFrom?: ShiftPhase;
  /**
   * paused by the engine itself, not by a request: `external-change` (someone else changed the
   * owned weights; spec.analysis.onExternalChange: pause). It holds until the weights are back
   * where the shift put them, an operator resumes it, or a pause request turns it into an
   * ordinary pause.
   */
  pausedBy?: 'external-change';
  /** waiting: the gate held at (kept across a pause of the gate). */
  gate?: GateState;
  /** Gates passed, oldest first. */
  gates?: GateRecord[];
  /** Finished steps, oldest first (the breached one included). */
  steps: StepReport[];
  rollback?: RollbackState;
  /** Why the shift is paused, aborted, failed or promoted, in words. */
  reason?: string;
  /** Planning warnings and notes for the report. */
  warnings: string[];
}

export function initialState(now: number, warnings: string[] = []): ShiftState {
  return { version: 1, phase: 'pending', stepIndex: -1, startedAt: now, updatedAt: now, steps: [], warnings };
}

/** The outcome a terminal phase reports. */
export function outcomeOf(state: ShiftState): ShiftOutcome | undefined {
  switch (state.phase) {
    case 'promoted':
    case 'rolled-back':
    case 'aborted':
    case 'failed':
      return state.phase;
    default:
      return undefined;
  }
}

/** The canary weight the state wants on the route, or undefined when it wants no change. */
export function intendedCanaryWeight(state: ShiftState, steps: readonly number[]): number | undefined {
  switch (state.phase) {
    case 'stepping':
    case 'baking':
    case 'waiting':
      return steps[state.stepIndex];
    case 'promoting':
    case 'promoted':
      return 100;
    case 'rolling-back':
    case 'rolled-back':
    case 'aborted':
      return state.rollback ? 0 : undefined;
    default:
      return undefined;
  }
}

/**
 * The shape a rollback (canary 0) puts back on the route: the owned entries as they were before
 * the first write, when the canary carried nothing then (an entry tcpshift added is removed
 * again). Undefined when the shift began with canary traffic: then stable 100 / canary 0.
 */
export function restoreShapeOf(state: ShiftState | undefined): RouteShape | undefined {
  return state?.originalShape && state.original?.canary === 0 ? state.originalShape : undefined;
}

/** The state without the fields of the step in progress (bake times, drain window, notes, pause origin, the gate held at). */
export function withoutStepFields(state: ShiftState): ShiftState {
  const { weightChangedAt: _w, drainWindow: _d, probeStartedAt: _p, bakeUntil: _b, stepNotes: _n, pausedFrom: _f, pausedBy: _by, gate: _g, ...rest } = state;
  return rest;
}
