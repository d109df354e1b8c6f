/**
 * Calls a shift's hooks (HookPort) for the runner (CLI) and the controller's engine driver, and
 * turns their answers into `Observation.hooks` for the pure `decide`:
 * - at a hook gate (confirm-step, confirm-promotion, pre-step: src/shift/gates.ts) it calls the
 *   hooks of that type in the background and, for confirm gates, again every `pollMs` (5 s) until
 *   they all answer ok; nothing waits on a call: the engine keeps probing and deciding, and when
 *   the state leaves the gate (a breach, abort or rollback wins) the call in flight is aborted;
 * - after each decision: `notify` for every event, `post-step` (with the step's results) when a
 *   step passed, `rollback` when a rollback starts; these are fire and forget, so a hanging hook
 *   never delays a weight write.
 */
import type { Clock } from '../util/clock.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { ShiftEvent } from './decide.js';
import { hookGateOf, type HookObservation } from './gates.js';
import type { HookContext, HookPort, HookResult, HookType } from './hook-port.js';
import { GATE_HOOK_TYPES, phaseOf, type GateHookType, type GateState, type ShiftState } from './state.js';

export interface ShiftHooksOptions {
  port: HookPort;
  clock: Clock;
  shift: { name: string; namespace: string };
  spec: ResolvedSpec;
  /** An answer arrived: decide again. */
  wake(): void;
  /** How often a confirm gate's hooks are asked again after a refusal (default 5 s). */
  pollMs?: number;
}

export const HOOK_POLL_MS = 5000;

interface Answer {
  kind: GateHookType;
  afterStep: number;
  ok: boolean;
  reason?: string;
  at: number;
}

interface Call {
  kind: GateHookType;
  afterStep: number;
  abort: AbortController;
}

const sameGate = (a: { kind: string; afterStep: number }, b: { kind: string; afterStep: number }): boolean => a.kind === b.kind && a.afterStep === b.afterStep;

/** One failed hook in words: its type, name and status or error, with the attempts made. */
export function hookFailure(result: HookResult): string {
  const what = result.status !== undefined ? `HTTP ${result.status}` : (result.error ?? 'no answer');
  return `${result.type} hook ${result.name} failed: ${what} (${result.attempts} attempt${result.attempts === 1 ? '' : 's'})`;
}

export class ShiftHooks {
  private answer: Answer | undefined;
  private call: Call | undefined;
  private readonly pollMs: number;
  private readonly configured: readonly GateHookType[];

  constructor(private readonly options: ShiftHooksOptions) {
    this.pollMs = options.pollMs ?? HOOK_POLL_MS;
    this.configured = GATE_HOOK_TYPES.filter((type) => options.port.has(type));
  }

  /** What decide sees of the hooks for this state; starts (or aborts) the gate's call as the state needs. */
  observe(state: ShiftState): HookObservation | undefined {
    if (this.configured.length === 0) return undefined;
    const gate = hookGateOf(state);
    if (!gate) this.cancel();
    else this.poll(state, gate);
    const answer = gate && this.answer && sameGate(this.answer, gate) ? this.answer : undefined;
    return { configured: this.configured, ...(answer ? { answer: { kind: answer.kind, afterStep: answer.afterStep, ok: answer.ok, ...(answer.reason !== undefined ? { reason: answer.reason } : {}) } } : {}) };
  }

  /** When a refused confirm gate is asked again (the controller requeues for it); undefined when no poll is due. */
  nextPollAt(state: ShiftState): number | undefined {
    const gate = hookGateOf(state);
    if (!gate || this.call || !this.answer || !sameGate(this.answer, gate) || this.answer.ok || gate.kind === 'pre-step') return undefined;
    return this.answer.at + this.pollMs;
  }

  /** After a decision: every event to `notify`, and the post-step and rollback hooks (fire and forget). */
  events(events: readonly ShiftEvent[], state: ShiftState): void {
    const { port } = this.options;
    for (const event of events) {
      port.notify(event, this.about(event, state, this.context(state, { event })));
      if (event.type === 'StepPassed') this.fire('post-step', state, event);
      if (event.type === 'RollingBack') this.fire('rollback', state, event);
    }
  }

  /** Abort the call in flight (the shift left the gate or the run ends). */
  cancel(): void {
    this.call?.abort.abort();
    this.call = undefined;
  }

  private fire(type: HookType, state: ShiftState, event: ShiftEvent): void {
    if (!this.options.port.has(type)) return;
    const step = event.stepIndex ?? state.stepIndex;
    const results = type === 'post-step' ? state.steps.findLast((s) => s.index === step) : undefined;
    const context = this.context(state, { event, ...(results ? { results } : {}), ...(type === 'rollback' ? { reason: state.rollback?.reason ?? event.message } : {}) });
    void this.options.port.call(type, this.about(event, state, context));
  }

  /** The context of the step the event is about (a passed step's StepPassed comes when the state has moved on to the next one). */
  private about(event: ShiftEvent, state: ShiftState, context: HookContext): HookContext {
    if (event.stepIndex === undefined || event.stepIndex === state.stepIndex) return context;
    const step = event.stepIndex;
    return step >= 0 ? { ...context, step: step + 1, canaryWeight: this.options.spec.schedule.steps[step] ?? context.canaryWeight } : context;
  }

  private poll(state: ShiftState, gate: GateState & { kind: GateHookType }): void {
    if (this.call && sameGate(this.call, gate)) return;
    this.cancel();
    const now = this.options.clock.now();
    const answer = this.answer && sameGate(this.answer, gate) ? this.answer : undefined;
    if (answer && (answer.ok || gate.kind === 'pre-step' || now < answer.at + this.pollMs)) return;
    const call: Call = { kind: gate.kind, afterStep: gate.afterStep, abort: new AbortController() };
    this.call = call;
    void this.options.port.call(gate.kind, this.gateContext(state, gate), call.abort.signal).then((results) => this.answered(call, results));
  }

  private answered(call: Call, results: HookResult[]): void {
    if (this.call !== call) return; // aborted or superseded: the shift has left that gate
    this.call = undefined;
    const failures = results.filter((r) => !r.ok);
    this.answer = { kind: call.kind, afterStep: call.afterStep, ok: failures.length === 0, ...(failures.length > 0 ? { reason: failures.map(hookFailure).join('; ') } : {}), at: this.options.clock.now() };
    this.options.wake();
  }

  /** A gate's hooks are told about the write they gate: the next step (counted from 1) and its weight. */
  private gateContext(state: ShiftState, gate: GateState): HookContext {
    const steps = this.options.spec.schedule.steps;
    const next = gate.afterStep + 1;
    return { ...this.context(state, {}), ...(next < steps.length ? { step: next + 1 } : {}), canaryWeight: steps[next] ?? 100 };
  }

  private context(state: ShiftState, extra: Pick<HookContext, 'event' | 'results' | 'reason'>): HookContext {
    const steps = this.options.spec.schedule.steps;
    return {
      shift: this.options.shift,
      phase: phaseOf(state),
      ...(state.stepIndex >= 0 ? { step: state.stepIndex + 1 } : {}),
      steps: steps.length,
      canaryWeight: endedCanary(state) ?? steps[state.stepIndex] ?? state.original?.canary ?? 0,
      ...(state.reason !== undefined && extra.reason === undefined ? { reason: state.reason } : {}),
      ...extra,
    };
  }
}

/** An ended shift's canary weight: 100 promoted; 0 after a rollback, an abort or a failure (each ends with canary 0 written). */
function endedCanary(state: ShiftState): number | undefined {
  if (state.phase === 'promoted') return 100;
  return state.phase === 'rolled-back' || state.phase === 'aborted' || state.phase === 'failed' ? 0 : undefined;
}
