/**
 * What `abort NAME` and `rollback NAME` write when no live process runs the shift (it is
 * paused, its holder died, or it already ended): canary 0 together with this state, pure.
 */
import type { OperatorAction } from './decide.js';
import { initialState, isTerminal, withoutStepFields, type ShiftState } from './state.js';

export type StopAction = Extract<OperatorAction, 'abort' | 'rollback'>;

/** undefined when there is nothing to do: `abort` of a shift that already ended. */
export function operatorStop(state: ShiftState | undefined, action: StopAction, by: string, now: number): ShiftState | undefined {
  const base = state ?? initialState(now);
  if (action === 'abort' && isTerminal(base.phase)) return undefined;
  const reason = action === 'abort' ? `aborted by ${by}` : `rollback requested by ${by}`;
  return {
    ...withoutStepFields(base),
    phase: action === 'abort' ? 'aborted' : 'rolled-back',
    reason,
    rollback: { cause: 'operator', reason, detectedAt: now, restoredAt: now, ...(action === 'abort' ? { abort: true } : {}) },
    endedAt: now,
    updatedAt: now,
  };
}
