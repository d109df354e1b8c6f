/**
 * Gates (issue 18), pure: what holds a shift before a weight write, in this order: a schedule
 * pause after the step in place (`{pause: {}}` waits for a promote request, `{pause: {duration}}`
 * opens by itself), then the hooks configured for that write: `confirm-step` (every step's write),
 * `confirm-promotion` (the write of canary 100, a step of 100 or the promotion), `pre-step`
 * (every step's write; a failure rolls back instead of waiting). Hook answers reach `decide`
 * as `Observation.hooks`; nothing here calls anything.
 */
import { formatDuration } from '../util/duration.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { GateHookType, GateKind, GateRecord, GateState, ShiftState } from './state.js';

/** The hooks configured, and the latest answer of those the shift waits for (src/shift/shift-hooks.ts gathers them). */
export interface HookObservation {
  configured: readonly GateHookType[];
  /** The answer of every hook of `kind` for the gate after `afterStep`: ok when all answered 2xx. */
  answer?: { kind: GateHookType; afterStep: number; ok: boolean; reason?: string };
}

/** The gates before the write that follows step `afterStep` (-1: the first step's write). */
export function gatesAfter(spec: ResolvedSpec, afterStep: number, configured: readonly GateHookType[]): GateKind[] {
  const { steps, gates } = spec.schedule;
  const next = afterStep + 1;
  const isStep = next < steps.length;
  const kinds: GateKind[] = [];
  if (gates.some((g) => g.afterStep === afterStep)) kinds.push('pause');
  if (isStep && configured.includes('confirm-step')) kinds.push('confirm-step');
  if ((!isStep || steps[next] === 100) && configured.includes('confirm-promotion')) kinds.push('confirm-promotion');
  if (isStep && configured.includes('pre-step')) kinds.push('pre-step');
  return kinds;
}

/** The gate after `passed` in that list (the first one when none passed yet). */
export function nextGateKind(spec: ResolvedSpec, afterStep: number, configured: readonly GateHookType[], passed?: GateKind): GateKind | undefined {
  const kinds = gatesAfter(spec, afterStep, configured);
  return kinds[passed === undefined ? 0 : kinds.indexOf(passed) + 1];
}

export function gateAt(spec: ResolvedSpec, kind: GateKind, afterStep: number, now: number): GateState {
  const durationMs = kind === 'pause' ? spec.schedule.gates.find((g) => g.afterStep === afterStep)?.durationMs : undefined;
  return { kind, afterStep, since: now, ...(durationMs !== undefined ? { until: now + durationMs } : {}) };
}

/** What the gate does now: open (and why), fail the write (pre-step), or keep waiting (until when, for a timed pause). */
export type GateVerdict = { open: string } | { fail: string } | { wait: number | undefined };

export function gateVerdict(gate: GateState, hooks: HookObservation | undefined, now: number): GateVerdict {
  if (gate.kind === 'pause') {
    if (gate.until === undefined) return { wait: undefined };
    return now >= gate.until ? { open: `time up (${formatDuration(gate.until - gate.since)})` } : { wait: gate.until };
  }
  // The hooks are no longer configured (a resumed shift without them): nothing to wait for.
  if (!hooks?.configured.includes(gate.kind)) return { open: `no ${gate.kind} hook configured` };
  const answer = hooks.answer;
  if (!answer || answer.kind !== gate.kind || answer.afterStep !== gate.afterStep) return { wait: undefined };
  if (answer.ok) return { open: `${gate.kind} hooks answered ok` };
  return gate.kind === 'pre-step' ? { fail: answer.reason ?? `${gate.kind} hook failed` } : { wait: undefined };
}

export function gateRecord(gate: GateState, now: number, openedBy: string): GateRecord {
  return { ...gate, openedAt: now, openedBy };
}

/** "the gate after step 2/4" (before step 1/4 for hooks before the first write, before the promotion after the last step). */
export function gateName(stepCount: number, gate: Pick<GateState, 'afterStep'>): string {
  if (gate.afterStep < 0) return `the gate before step 1/${stepCount}`;
  if (gate.afterStep + 1 >= stepCount) return 'the gate before the promotion (canary 100%)';
  return `the gate after step ${gate.afterStep + 1}/${stepCount}`;
}

export interface GateWordsOptions {
  /** The command that opens a pause gate, e.g. `tcpshift promote echo -n echo`. */
  promote?: string;
  /** Now, to say how long a timed gate has left. */
  now?: number;
}

/** "waiting at the gate after step 1/3 for a promote request (promote: tcpshift promote echo -n echo)". */
export function gateWords(stepCount: number, gate: GateState, options: GateWordsOptions = {}): string {
  return `waiting at ${gateName(stepCount, gate)} for ${gateWaitsFor(gate, options)}`;
}

/** What the gate waits for, in words. */
export function gateWaitsFor(gate: GateState, options: GateWordsOptions = {}): string {
  const promote = `promote: ${options.promote ?? 'tcpshift promote NAME'}`;
  switch (gate.kind) {
    case 'pause': {
      if (gate.until === undefined) return `a promote request (${promote})`;
      const left = options.now === undefined ? `until ${new Date(gate.until).toISOString()}` : `${formatDuration(Math.max(0, Math.round((gate.until - options.now) / 1000) * 1000))} left`;
      return `its time, ${left} (${promote} opens it now)`;
    }
    case 'pre-step':
      return 'the pre-step hooks';
    default:
      return `the ${gate.kind} hooks to answer ok (asked every 5 s)`;
  }
}

/** The state waits at a gate of these hooks (the hook caller polls them). */
export function hookGateOf(state: ShiftState): (GateState & { kind: GateHookType }) | undefined {
  const gate = state.phase === 'waiting' ? state.gate : undefined;
  return gate && gate.kind !== 'pause' ? { ...gate, kind: gate.kind } : undefined;
}
