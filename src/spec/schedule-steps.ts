import { z } from 'zod';
import { durationMs, durationString, MAX_BAKE_MS } from './duration-field.js';
import { integerIn } from './numbers.js';
import { strictObject } from './strict-object.js';

/**
 * `spec.schedule.steps`: canary weights and, between them, gates (issue 18). A weight is an
 * integer percentage; a gate `{pause: {}}` waits for `tcpshift promote NAME`, `{pause: {duration:
 * 10m}}` opens by itself when the time is up. People count steps by weights only: in
 * `[10, {pause: {}}, 50, 100]` step 2/3 is 50 %, and the gate is "the gate after step 1".
 */
export const MAX_STEPS = 100;

const stepPercent = integerIn(1, 100);

const pauseGate = strictObject({
  pause: strictObject({
    duration: durationString(1, MAX_BAKE_MS)
      .optional()
      .describe('Open the gate by itself after this long; without it the gate waits for `tcpshift promote NAME`.'),
  }, 'an object'),
}, 'an object');

export type ScheduleEntry = number | z.output<typeof pauseGate>;

/** A gate of the resolved schedule: it holds the shift after the step `afterStep` (0-based index in the weights) passed. */
export interface ScheduleGate {
  afterStep: number;
  /** A timed gate opens by itself after this long; an indefinite one waits for a promote request. */
  durationMs?: number;
}

const STEP_HELP = 'must be a canary weight (an integer in 1..100) or a gate {pause: {}} / {pause: {duration: 10m}}';

// A number or an object is judged by its own branch (its field's message); anything else, or an object that is no gate, gets this.
const entry = z.union([stepPercent, pauseGate], { error: STEP_HELP }).describe('A canary weight (an integer in 1..100) or a gate {pause: {}} / {pause: {duration: 10m}}.');

const isGate = (step: ScheduleEntry): step is Exclude<ScheduleEntry, number> => typeof step !== 'number';

/** The order rules: weights strictly increasing; a gate only between two weights. */
function orderIssues(steps: readonly ScheduleEntry[], ctx: z.RefinementCtx): void {
  let previous: { weight: number; index: number } | undefined;
  steps.forEach((step, i) => {
    if (isGate(step)) {
      const why = gateMisplaced(steps, i);
      if (why) ctx.addIssue({ code: 'custom', path: [i], message: `a gate ${why}: a gate waits between two weight steps (after the weight before it, before the write of the weight after it)` });
      return;
    }
    if (previous && step <= previous.weight) {
      ctx.addIssue({ code: 'custom', path: [i], message: `must be greater than steps[${previous.index}] (${previous.weight}): canary weights are strictly increasing integers in 1..100` });
    }
    previous = { weight: step, index: i };
  });
}

function gateMisplaced(steps: readonly ScheduleEntry[], i: number): string | undefined {
  if (i === 0) return 'cannot come first (nothing has been shifted yet; spec.paused holds a shift before its first step)';
  if (isGate(steps[i - 1] as ScheduleEntry)) return `cannot follow another gate (steps[${i - 1}]); one gate holds until it opens`;
  if (i === steps.length - 1) return 'cannot come last (no weight follows it to wait for)';
  return undefined;
}

export const scheduleStepsSchema = z
  .array(entry, { error: 'must be a list of canary weights and gates, e.g. [10, 25, {pause: {}}, 50, 100]' })
  .min(1, { error: 'must list at least one canary weight' })
  .max(MAX_STEPS, { error: `must list at most ${MAX_STEPS} entries` })
  .superRefine(orderIssues)
  .describe('Canary weights in percent (strictly increasing integers in 1..100) and, between two weights, gates: {pause: {}} waits for `tcpshift promote NAME`, {pause: {duration: 10m}} opens by itself.');

/** The weights of a schedule (gates left out), as steps are numbered for people. */
export function weightSteps(steps: readonly unknown[]): number[] {
  return steps.filter((step): step is number => typeof step === 'number');
}

/** The gates of a validated schedule, each placed after the weight step before it. */
export function scheduleGates(steps: readonly ScheduleEntry[]): ScheduleGate[] {
  const gates: ScheduleGate[] = [];
  let weights = 0;
  for (const step of steps) {
    if (!isGate(step)) weights++;
    else gates.push({ afterStep: weights - 1, ...(step.pause.duration !== undefined ? { durationMs: durationMs(step.pause.duration) } : {}) });
  }
  return gates;
}
