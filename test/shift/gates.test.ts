// Gates in the pure engine (issue 18): schedule pauses and hook gates hold the next weight write
// while the step in place keeps being probed; promote, time, hook answers open them; a breach,
// abort or rollback wins at once; pause/resume and a restart keep the gate and its time left.
import { describe, expect, it } from 'vitest';
import { decide, initialState, resumeState, type Action, type Decision, type HookObservation, type ShiftState } from '../../src/shift/index.js';
import { ended, longLived, newConnections, observation, open, probe, route, shiftFor, T0 } from '../support/shift-fixtures.js';

const BAKE = 10_000;
const gated = shiftFor({ 'spec.schedule.steps': [20, { pause: {} }, 50, { pause: { duration: '1m' } }, 100], 'spec.schedule.bake': '10s' }).spec;
const plain = shiftFor({ 'spec.schedule.steps': [20, 50], 'spec.schedule.bake': '10s' }).spec;

const weights = (actions: Action[]): number[] => actions.flatMap((a) => (a.type === 'setWeight' ? [a.canaryWeight] : []));
const kinds = (d: Decision): string[] => d.actions.map((a) => a.type);
const measuring = (i: number, extra: Parameters<typeof probe>[0] = {}) =>
  probe({ stepIndex: i, sampling: true, newConnections: newConnections({ ok: 100, canary: 20 }), ...extra });

/** Step i of `spec` baked to its end with clean probes: the decision that passes it. */
function passStep(spec = gated, i = 0, hooks?: HookObservation): Decision {
  const weight = spec.schedule.steps[i]!;
  const state: ShiftState = { ...initialState(T0), phase: 'baking', stepIndex: i, original: { stable: 100, canary: 0 }, probeStartedAt: T0, bakeUntil: T0 + BAKE };
  const obs = { ...observation(route(weight), measuring(i, { newConnections: newConnections({ ok: 100, canary: weight }), samplingDone: true })), ...(hooks ? { hooks } : {}) };
  return decide(spec, state, obs, T0 + BAKE);
}

describe('schedule gates', () => {
  it('after the step before a gate passes, the shift waits there: no write, the step in place is probed afresh, the state persisted', () => {
    const d = passStep();
    expect(d.state).toMatchObject({ phase: 'waiting', stepIndex: 0, gate: { kind: 'pause', afterStep: 0, since: T0 + BAKE } });
    expect(d.state.gate?.until).toBeUndefined();
    expect(weights(d.actions)).toEqual([]);
    expect(kinds(d)).toEqual(['markStep', 'startSampling', 'persist']);
    expect(d.events.map((e) => e.type)).toEqual(['StepPassed', 'GateWaiting']);
    expect(d.events[1]!.message).toMatch(/waiting at the gate after step 1\/3 for a promote request/);
  });

  it('a promote of the step in place opens the gate and writes the next weight; a promote of another step does not', () => {
    const waiting = passStep().state;
    const at = T0 + BAKE + 5000;
    expect(decide(gated, waiting, observation(route(20), measuring(0), { action: 'promote', step: 2 }), at).state.phase).toBe('waiting');
    const d = decide(gated, waiting, observation(route(20), measuring(0), { action: 'promote', step: 1, by: 'alice' }), at);
    expect(d.state).toMatchObject({ phase: 'stepping', stepIndex: 1 });
    expect(weights(d.actions)).toEqual([50]);
    expect(d.state.gates).toEqual([{ kind: 'pause', afterStep: 0, since: T0 + BAKE, openedAt: at, openedBy: 'promoted by alice' }]);
    expect(d.events.map((e) => e.type)).toContain('GateOpened');
  });

  it('an indefinite gate holds for ever without a request, period after period of probing', () => {
    let state = passStep().state;
    const later = T0 + BAKE + 3 * BAKE;
    const d = decide(gated, state, observation(route(20), measuring(0, { samplingDone: true })), later);
    expect(d.state.phase).toBe('waiting');
    expect(kinds(d)).toEqual(['markStep', 'startSampling']);
    state = d.state;
    // Sampling that ends at once (a light prober) does not start a period before a bake has passed.
    const soon = decide(gated, state, observation(route(20), measuring(0, { samplingDone: true })), later + 100);
    expect(soon.actions).toEqual([]);
    expect(soon.wakeAt).toBe(later + BAKE);
  });

  it('a breach while waiting rolls back at once, recorded against the step in place', () => {
    const waiting = passStep().state;
    const at = T0 + BAKE + 2000;
    const d = decide(gated, waiting, observation(route(20), measuring(0, { longLived: longLived([open(1), ended(2, 'reset', at)]) })), at);
    expect(d.state.phase).toBe('rolling-back');
    expect(weights(d.actions)).toEqual([0]);
    expect(d.state.rollback).toMatchObject({ cause: 'breach' });
    expect(d.state.steps.at(-1)).toMatchObject({ index: 0, verdict: 'breach', notes: expect.arrayContaining(['while waiting at the gate after step 1/3']) });
  });

  it('abort and rollback requests win at the gate', () => {
    const waiting = passStep().state;
    for (const action of ['abort', 'rollback'] as const) {
      const d = decide(gated, waiting, observation(route(20), measuring(0), { action }), T0 + BAKE + 1);
      expect(d.state.phase).toBe('rolling-back');
      expect(weights(d.actions)).toEqual([0]);
    }
  });

  it('a timed gate opens by itself when its time is up, and says when it will', () => {
    const atGate: ShiftState = { ...passStep().state, phase: 'baking', stepIndex: 1, gate: undefined, probeStartedAt: T0, bakeUntil: T0 + BAKE };
    const d = decide(gated, atGate, observation(route(50), measuring(1, { newConnections: newConnections({ ok: 100, canary: 50 }), samplingDone: true })), T0 + BAKE);
    expect(d.state.gate).toEqual({ kind: 'pause', afterStep: 1, since: T0 + BAKE, until: T0 + BAKE + 60_000 });
    expect(d.wakeAt).toBe(T0 + BAKE + 60_000);
    const before = decide(gated, d.state, observation(route(50), measuring(1)), T0 + BAKE + 59_000);
    expect(before.state.phase).toBe('waiting');
    const after = decide(gated, d.state, observation(route(50), measuring(1)), T0 + BAKE + 60_000);
    expect(after.state).toMatchObject({ phase: 'stepping', stepIndex: 2 });
    expect(weights(after.actions)).toEqual([100]);
    expect(after.state.gates?.[0]?.openedBy).toBe('time up (1m)');
  });

  it('pause and resume keep the gate and its deadline; a restart resumes waiting at the same gate', () => {
    const waiting: ShiftState = { ...passStep().state, gate: { kind: 'pause', afterStep: 0, since: T0, until: T0 + 60_000 } };
    const paused = decide(gated, waiting, observation(route(20), measuring(0), { action: 'pause' }), T0 + 1000).state;
    expect(paused).toMatchObject({ phase: 'paused', pausedFrom: 'waiting', gate: waiting.gate });
    const resumed = decide(gated, paused, observation(route(20), probe()), T0 + 2000);
    expect(resumed.state).toMatchObject({ phase: 'waiting', gate: waiting.gate });
    const restarted = resumeState(waiting, T0 + 3000);
    expect(restarted).toMatchObject({ phase: 'waiting', gate: waiting.gate });
    // New probes (another process): a watch period starts at once; the time left is unchanged.
    const d = decide(gated, restarted, observation(route(20), probe()), T0 + 3000);
    expect(kinds(d)).toEqual(['markStep', 'startSampling']);
    expect(d.wakeAt).toBe(T0 + 60_000);
  });
});

describe('hook gates', () => {
  const hooks = (configured: HookObservation['configured'], answer?: HookObservation['answer']): HookObservation => ({ configured, ...(answer ? { answer } : {}) });

  it('confirm-step holds the first write until its hooks answer ok, watching stable meanwhile', () => {
    const pending = initialState(T0);
    const d = decide(plain, pending, { ...observation(route(0), probe()), hooks: hooks(['confirm-step']) }, T0);
    expect(d.state).toMatchObject({ phase: 'waiting', stepIndex: -1, gate: { kind: 'confirm-step', afterStep: -1 } });
    expect(weights(d.actions)).toEqual([]);
    const refused = decide(plain, d.state, { ...observation(route(0), probe()), hooks: hooks(['confirm-step'], { kind: 'confirm-step', afterStep: -1, ok: false, reason: 'no' }) }, T0 + 5000);
    expect(refused.state.phase).toBe('waiting');
    const ok = decide(plain, d.state, { ...observation(route(0), probe()), hooks: hooks(['confirm-step'], { kind: 'confirm-step', afterStep: -1, ok: true }) }, T0 + 10_000);
    expect(ok.state).toMatchObject({ phase: 'stepping', stepIndex: 0 });
    expect(weights(ok.actions)).toEqual([20]);
  });

  it('gates follow one order before a write: pause, confirm-step, pre-step; an answer for another gate is not this one', () => {
    const all = hooks(['confirm-step', 'pre-step']);
    const d = passStep(gated, 0, all);
    expect(d.state.gate?.kind).toBe('pause');
    const promoted = decide(gated, d.state, { ...observation(route(20), measuring(0), { action: 'promote', step: 1 }), hooks: all }, T0 + BAKE + 1);
    expect(promoted.state.gate).toMatchObject({ kind: 'confirm-step', afterStep: 0 });
    const stale = decide(gated, promoted.state, { ...observation(route(20), measuring(0)), hooks: hooks(['confirm-step', 'pre-step'], { kind: 'confirm-step', afterStep: -1, ok: true }) }, T0 + BAKE + 2);
    expect(stale.state.gate?.kind).toBe('confirm-step');
    const confirmed = decide(gated, promoted.state, { ...observation(route(20), measuring(0)), hooks: hooks(['confirm-step', 'pre-step'], { kind: 'confirm-step', afterStep: 0, ok: true }) }, T0 + BAKE + 3);
    expect(confirmed.state.gate).toMatchObject({ kind: 'pre-step', afterStep: 0 });
    expect(weights(confirmed.actions)).toEqual([]);
  });

  it('a failed pre-step hook fails the step: rollback, the reason naming the hook', () => {
    const waiting: ShiftState = { ...initialState(T0), phase: 'waiting', stepIndex: 0, original: { stable: 100, canary: 0 }, gate: { kind: 'pre-step', afterStep: 0, since: T0 } };
    const reason = 'pre-step hook load-test failed: HTTP 500 (3 attempts)';
    const d = decide(plain, waiting, { ...observation(route(20), measuring(0)), hooks: hooks(['pre-step'], { kind: 'pre-step', afterStep: 0, ok: false, reason }) }, T0 + BAKE + 1);
    expect(d.state.phase).toBe('rolling-back');
    expect(d.state.rollback).toMatchObject({ cause: 'breach', reason });
    expect(weights(d.actions)).toEqual([0]);
  });

  it('confirm-promotion gates the write of canary 100 after the last step; promote --full still passes through it', () => {
    const last = passStep(plain, 1, hooks(['confirm-promotion']));
    expect(last.state.gate).toMatchObject({ kind: 'confirm-promotion', afterStep: 1 });
    expect(last.events.at(-1)!.message).toMatch(/the gate before the promotion \(canary 100%\)/);
    const baking: ShiftState = { ...initialState(T0), phase: 'baking', stepIndex: 0, original: { stable: 100, canary: 0 }, probeStartedAt: T0, bakeUntil: T0 + BAKE };
    const full = decide(plain, baking, { ...observation(route(20), measuring(0), { action: 'promote-full' }), hooks: hooks(['confirm-promotion']) }, T0 + 1);
    expect(full.state).toMatchObject({ phase: 'waiting', stepIndex: 0, gate: { kind: 'confirm-promotion', afterStep: 1 } });
    expect(weights(full.actions)).toEqual([]);
  });
});
