/**
 * The .status a TCPShift gets, pure: phase (src/spec/phase.ts), current step, the route's weights,
 * the observed split of the step (with its interval), the probe counters while it probes
 * (status.probes, src/shift/probe-totals.ts), the finished step records, the rollback
 * record, conditions with observedGeneration, and the engine record a successor resumes from.
 */
import type { NewConnectionsBlock } from '../probe/index.js';
import { isTerminal, phaseOf, probeTotals, readProbeTotals, sameProbeTotals, type ProbeTotals, type ShiftProber, type ShiftState } from '../shift/index.js';
import { deepEqual } from '../util/json-patch.js';
import type { TCPShiftStatus } from '../spec/tcpshift-status.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';
import { mergeConditions, problemConditions, stateConditions, type DesiredCondition, type Problem } from './conditions.js';
import { engineFields } from './engine-record.js';

/** status.split: what the new connections of a step showed. */
export interface SplitSummary {
  /** Index of the step measured. */
  step: number;
  targetShare: number;
  observedCanaryShare: number | null;
  interval: [number, number];
  attempted: number;
  succeeded: number;
  failed: number;
  /** The sequential test's decision so far (`running` while it samples). */
  decision: string;
  samples: number;
}

export type WrittenStatus = TCPShiftStatus & { engine?: Record<string, unknown> };

export interface StatusView {
  state: ShiftState;
  /** The spec the state runs. */
  spec: TCPShiftResource['spec'];
  /** The route's owned weights as last read or written; the previous status's when unknown. */
  weights?: { stable: number; canary: number };
  split?: SplitSummary;
  /** The running prober's counters (status.probes); absent when the shift does not probe. */
  probes?: ProbeTotals;
  generation: number;
  previous: WrittenStatus | undefined;
  problem?: Problem;
  /** Extra conditions to set (Restarted after a spec change). */
  extra?: DesiredCondition[];
  now: number;
}

export function buildStatus(view: StatusView): WrittenStatus {
  const { state, previous } = view;
  const steps = (view.spec.schedule as { steps: number[] }).steps;
  const base = stateConditions(state, steps);
  const desired = [...(view.problem ? problemConditions(base, view.problem) : base), ...(view.extra ?? [])];
  const fields = engineFields(view.spec, state);
  const weights = view.weights ?? previous?.weights;
  // A split measured at another step (or by an earlier run) is not this step's: a paused or restarted shift does not show it.
  const kept = previous?.split as SplitSummary | undefined;
  const split = view.split ?? (kept?.step === state.stepIndex && state.stepIndex >= 0 ? kept : undefined);
  return {
    phase: view.problem?.reason === 'InvalidSpec' ? 'Failed' : phaseOf(state),
    ...(state.stepIndex >= 0 ? { currentStep: state.stepIndex + 1 } : {}),
    ...(weights ? { weights: { stable: weights.stable, canary: weights.canary } } : {}),
    observedGeneration: view.generation,
    conditions: mergeConditions(previous?.conditions, desired, view.generation, new Date(view.now).toISOString()),
    steps: fields.steps as unknown as Array<Record<string, unknown>>,
    ...(fields.rollback ? { rollback: fields.rollback as unknown as Record<string, unknown> } : {}),
    ...(split ? { split: split as unknown as Record<string, unknown> } : {}),
    ...(view.probes ? { probes: view.probes } : {}),
    engine: fields.engine as unknown as Record<string, unknown>,
  };
}

/**
 * The status of a TCPShift whose spec breaks a rule the CRD schema cannot express: phase Failed,
 * Degraded with the issues; the previous engine record is kept (a rollback or deletion still
 * knows which route the last valid spec shifted).
 */
export function invalidSpecStatus(previous: WrittenStatus | undefined, problem: Problem, generation: number, now: number): WrittenStatus {
  const base: DesiredCondition[] = [
    { type: 'Ready', status: 'False', reason: problem.reason, message: problem.message },
    { type: 'Progressing', status: 'False', reason: problem.reason, message: problem.message },
    { type: 'Degraded', status: 'True', reason: problem.reason, message: problem.message },
  ];
  return {
    ...previous,
    phase: 'Failed',
    observedGeneration: generation,
    conditions: mergeConditions(previous?.conditions, base, generation, new Date(now).toISOString()),
  };
}

/** status.split from a step's new-connection block. */
export function splitSummary(step: number, targetWeight: number, block: NewConnectionsBlock | undefined): SplitSummary | undefined {
  if (!block) return undefined;
  return {
    step,
    targetShare: targetWeight / 100,
    observedCanaryShare: block.observedCanaryShare,
    interval: block.interval,
    attempted: block.attempted,
    succeeded: block.succeeded,
    failed: block.failed,
    decision: block.split?.decision ?? 'none',
    samples: block.split?.samples ?? block.succeeded,
  };
}

/** status.probes: the running prober's counters while the shift probes (not once it is paused or has ended). */
export function statusProbes(prober: ShiftProber | undefined, state: ShiftState, now: number): ProbeTotals | undefined {
  if (!prober || isTerminal(state.phase) || state.phase === 'paused') return undefined;
  return probeTotals(prober.counters(), prober.status().stepIndex ?? -1, now);
}

/**
 * The fields a sampling step keeps moving (split, probes) say something new: worth a write once
 * --status-interval has passed. Probe counters count as moved when more than their time and the
 * heartbeats echoed changed (those move every second while all is well).
 */
export function refreshMoved(next: WrittenStatus, previous: WrittenStatus | undefined): boolean {
  return !deepEqual(next.split, previous?.split) || !sameProbeTotals(next.probes as ProbeTotals | undefined, readProbeTotals(previous?.probes));
}
