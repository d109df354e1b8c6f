/**
 * Status conditions, pure: what Ready, Progressing and Degraded say for a shift state, and
 * apimachinery's SetStatusCondition rule for merging them into the stored list (lastTransitionTime
 * moves only when the status flips; reason, message and observedGeneration always follow).
 */
import type { Condition } from '../spec/tcpshift-status.js';
import { gateWords, type ShiftState } from '../shift/index.js';
import type { PreflightReason } from '../shift/preflight/index.js';

export type ConditionStatus = Condition['status'];

export interface DesiredCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Something the controller itself found wrong: the spec, the route, or someone else's lock on it. */
export interface Problem {
  reason: 'InvalidSpec' | 'RouteNotFound' | 'RouteNotShiftable' | 'RouteBusy' | 'InvalidStatus' | 'CanaryTraffic' | 'ProbeBudget' | 'WebhookSecretUnavailable' | PreflightReason;
  message: string;
}

const cond = (type: string, status: ConditionStatus, reason: string, message: string): DesiredCondition => ({ type, status, reason, message });

function stepWords(state: ShiftState, steps: readonly number[]): string {
  const weight = steps[state.stepIndex];
  return `step ${state.stepIndex + 1}/${steps.length}: canary ${weight ?? '?'}% (stable ${weight === undefined ? '?' : 100 - weight}%)`;
}

function rollbackReason(state: ShiftState): string {
  const cause = state.rollback?.cause;
  if (cause === 'breach') return 'Breach';
  if (cause === 'error') return 'Error';
  return state.rollback?.abort ? 'Aborted' : 'RollbackRequested';
}

const healthy = cond('Degraded', 'False', 'AsExpected', 'no breach, no error');

/** Ready, Progressing and Degraded for a state of the engine. */
export function stateConditions(state: ShiftState, steps: readonly number[]): DesiredCondition[] {
  const why = state.reason ?? '';
  switch (state.phase) {
    case 'pending':
      return [cond('Ready', 'False', 'Pending', 'opening the long-lived probe connections'), cond('Progressing', 'True', 'Pending', 'pre-flight: probing before the first weight change'), healthy];
    case 'stepping':
    case 'baking':
      return [cond('Ready', 'False', 'Progressing', stepWords(state, steps)), cond('Progressing', 'True', state.phase === 'baking' ? 'Baking' : 'Stepping', stepWords(state, steps)), healthy];
    case 'waiting': {
      const words = state.gate ? gateWords(steps.length, state.gate) : stepWords(state, steps);
      return [cond('Ready', 'False', 'Progressing', words), cond('Progressing', 'True', 'Waiting', words), healthy];
    }
    case 'promoting':
      return [cond('Ready', 'False', 'Progressing', 'every step passed'), cond('Progressing', 'True', 'Promoting', 'every step passed: writing canary 100%'), healthy];
    case 'rolling-back': {
      const reason = rollbackReason(state);
      const message = `rolling back to stable: ${state.rollback?.reason ?? why}`;
      return [cond('Ready', 'False', 'RollingBack', message), cond('Progressing', 'True', 'RollingBack', message), reason === 'Breach' || reason === 'Error' ? cond('Degraded', 'True', reason, message) : healthy];
    }
    case 'paused': {
      const reason = state.pausedBy === 'external-change' ? 'ExternalChange' : 'Paused';
      return [cond('Ready', 'False', reason, why), cond('Progressing', 'False', reason, `${why}; weights left as they are`), healthy];
    }
    case 'promoted':
      return [cond('Ready', 'True', 'Promoted', why), cond('Progressing', 'False', 'Promoted', why), healthy];
    case 'rolled-back':
    case 'aborted': {
      const reason = state.phase === 'aborted' ? 'Aborted' : rollbackReason(state);
      const degraded = reason === 'Breach' || reason === 'Error';
      return [cond('Ready', 'False', reason, why), cond('Progressing', 'False', reason, why), degraded ? cond('Degraded', 'True', reason, why) : healthy];
    }
    case 'failed':
      return [cond('Ready', 'False', 'Failed', why), cond('Progressing', 'False', 'Failed', why), cond('Degraded', 'True', 'Failed', why)];
  }
}

/** The state's conditions with a controller problem laid over them. */
export function problemConditions(base: DesiredCondition[], problem: Problem): DesiredCondition[] {
  const blocking = problem.reason === 'InvalidSpec' || problem.reason === 'InvalidStatus';
  return base.map((c) => {
    if (c.type === 'Degraded') return cond('Degraded', 'True', problem.reason, problem.message);
    if (c.type === 'Ready') return cond('Ready', 'False', problem.reason, problem.message);
    if (c.type === 'Progressing' && blocking) return cond('Progressing', 'False', problem.reason, problem.message);
    return c;
  });
}

/** Merge desired conditions into the stored ones (types not desired are kept as they are). */
export function mergeConditions(existing: readonly Condition[] | undefined, desired: readonly DesiredCondition[], generation: number, nowIso: string): Condition[] {
  const merged: Condition[] = [...(existing ?? [])];
  for (const want of desired) {
    const i = merged.findIndex((c) => c.type === want.type);
    const previous = i >= 0 ? merged[i] : undefined;
    const next: Condition = {
      type: want.type,
      status: want.status,
      reason: want.reason,
      message: want.message,
      lastTransitionTime: previous && previous.status === want.status ? previous.lastTransitionTime : nowIso,
      observedGeneration: generation,
    };
    if (i >= 0) merged[i] = next;
    else merged.push(next);
  }
  return merged;
}
