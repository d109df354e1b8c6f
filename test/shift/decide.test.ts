import { describe, expect, it } from 'vitest';
import { decide, initialState, resumeState, type Action, type ShiftState } from '../../src/shift/index.js';
import { ended, longLived, newConnections, observation, open, probe, route, shiftFor, T0 } from '../support/shift-fixtures.js';

const shift = shiftFor();
const spec = shift.spec;
const BAKE = 10_000;

const weights = (actions: Action[]): number[] => actions.flatMap((a) => (a.type === 'setWeight' ? [a.canaryWeight] : []));
const types = (actions: Action[]): string[] => actions.map((a) => a.type);

/** A state baking step i since `at` (its weight acknowledged then). */
function baking(i: number, at = T0, steps: ShiftState['steps'] = []): ShiftState {
  const start = decide(spec, { ...initialState(T0), phase: 'stepping', stepIndex: i, original: { stable: 100, canary: 0 }, steps }, observation(route(spec.schedule.steps[i]!, at), probe({ stepIndex: i })), at);
  expect(start.state.phase).toBe('baking');
  return start.state;
}

describe('decide: the happy path', () => {
  it('waits in pending until the long-lived probes have opened, writing nothing', () => {
    const d = decide(spec, initialState(T0), observation(route(0), probe({ ready: false })), T0);
    expect(d.state.phase).toBe('pending');
    expect(d.actions).toEqual([]);
  });

  it('starts step 1 once the probes are ready: marks the step, then writes its weight, and records the original weights', () => {
    const d = decide(spec, initialState(T0), observation(route(0), probe()), T0 + 5);
    expect(d.state).toMatchObject({ phase: 'stepping', stepIndex: 0, original: { stable: 100, canary: 0 } });
    expect(d.actions).toEqual([{ type: 'markStep', stepIndex: 0 }, { type: 'setWeight', canaryWeight: 20, purpose: 'step' }]);
  });

  it('bakes a step once its weight is acknowledged: drain window after the change, sampling at the target share, wake at the bake end', () => {
    const state: ShiftState = { ...initialState(T0), phase: 'stepping', stepIndex: 0, original: { stable: 100, canary: 0 } };
    const d = decide(spec, state, observation(route(20, T0 + 40), probe({ stepIndex: 0 })), T0 + 45);
    expect(d.state).toMatchObject({ phase: 'baking', weightChangedAt: T0 + 40, probeStartedAt: T0 + 45, bakeUntil: T0 + 45 + BAKE });
    const [from, to] = d.state.drainWindow!;
    expect(from).toBeGreaterThan(T0 + 40);
    expect(from).toBeLessThanOrEqual(T0 + 40 + 2000);
    expect(to).toBeGreaterThanOrEqual(T0 + 40 + 2000);
    expect(d.actions).toEqual([{ type: 'startSampling', stepIndex: 0, targetShare: 0.2, weightChange: { at: T0 + 40, window: [from, to] } }]);
    expect(d.wakeAt).toBe(T0 + 45 + BAKE);
    expect(d.events.map((e) => e.type)).toEqual(['StepStarted']);
  });

  it('keeps baking without actions until the bake ends', () => {
    const state = baking(0);
    const d = decide(spec, state, observation(route(20, T0), probe({ stepIndex: 0, sampling: true, newConnections: newConnections() })), T0 + 3000);
    expect(d.state).toBe(state);
    expect(d.actions).toEqual([]);
    expect(d.wakeAt).toBe(state.bakeUntil);
  });

  it('passes a clean step at the bake end and goes straight on to the next weight', () => {
    const state = baking(0);
    const obs = observation(route(20, T0), probe({ stepIndex: 0, sampling: true, samplingDone: true, newConnections: newConnections({ split: {} }) }));
    const d = decide(spec, state, obs, state.bakeUntil!);
    expect(d.state).toMatchObject({ phase: 'stepping', stepIndex: 1 });
    expect(d.state.steps).toHaveLength(1);
    expect(d.state.steps[0]).toMatchObject({ index: 0, targetWeight: 20, verdict: 'ok', reasons: [], startedAt: T0 });
    expect(d.state.bakeUntil).toBeUndefined();
    expect(d.actions).toEqual([{ type: 'markStep', stepIndex: 1 }, { type: 'setWeight', canaryWeight: 50, purpose: 'step' }]);
    expect(d.events.map((e) => e.type)).toEqual(['StepPassed']);
  });

  it('promotes after the last step at 100 % without another write', () => {
    const state = baking(2, T0, [{} as never, {} as never]);
    const d = decide(spec, state, observation(route(100, T0), probe({ stepIndex: 2, sampling: true, samplingDone: true, newConnections: newConnections() })), state.bakeUntil!);
    expect(d.state).toMatchObject({ phase: 'promoted', endedAt: state.bakeUntil });
    expect(weights(d.actions)).toEqual([]);
    expect(types(d.actions)).toContain('persist');
    expect(d.events.map((e) => e.type)).toEqual(['StepPassed', 'Promoted']);
  });

  it('writes canary 100 to promote when the schedule ends below 100', () => {
    const s = shiftFor({ 'spec.schedule.steps': [10, 50] }).spec;
    let state: ShiftState = { ...initialState(T0), phase: 'stepping', stepIndex: 1, original: { stable: 100, canary: 0 } };
    state = decide(s, state, observation(route(50, T0), probe({ stepIndex: 1 })), T0).state;
    const d = decide(s, state, observation(route(50, T0), probe({ stepIndex: 1, sampling: true, samplingDone: true, newConnections: newConnections() })), state.bakeUntil!);
    expect(d.state.phase).toBe('promoting');
    expect(weights(d.actions)).toEqual([100]);
    const done = decide(s, d.state, observation(route(100, T0 + BAKE + 9), probe({ stepIndex: 1 })), T0 + BAKE + 10);
    expect(done.state.phase).toBe('promoted');
  });
});

describe('decide: breaches and rollback', () => {
  it('rolls back at once on a long-lived timeout: breach step recorded, sampling stopped, canary 0 written, detected at the end time', () => {
    const state = baking(1);
    const timeout = ended(3, 'timeout', T0 + 1500, { version: 'v2', detectionMs: 1400 });
    const obs = observation(route(50, T0), probe({ stepIndex: 1, sampling: true, longLived: longLived([open(1), timeout]), newConnections: newConnections() }));
    const d = decide(spec, state, obs, T0 + 1510);
    expect(d.state.phase).toBe('rolling-back');
    expect(d.state.rollback).toMatchObject({ cause: 'breach', detectedAt: T0 + 1500 });
    expect(d.state.rollback!.reason).toMatch(/connection 3 \(v2\) ended: timeout/);
    expect(d.state.steps.at(-1)).toMatchObject({ index: 1, verdict: 'breach', endedAt: T0 + 1510 });
    expect(types(d.actions)).toEqual(['stopSampling', 'setWeight']);
    expect(weights(d.actions)).toEqual([0]);
    expect(d.events.map((e) => e.type)).toEqual(['Breach', 'RollingBack']);
  });

  it('ends rolled-back once canary 0 is acknowledged, with restoredAt the acknowledgement time', () => {
    const state = baking(1);
    const obs = observation(route(50, T0), probe({ stepIndex: 1, sampling: true, longLived: longLived([ended(3, 'reset', T0 + 900)]) }));
    const rolling = decide(spec, state, obs, T0 + 905).state;
    const d = decide(spec, rolling, observation(route(0, T0 + 917), probe({ stepIndex: 1 })), T0 + 918);
    expect(d.state).toMatchObject({ phase: 'rolled-back', endedAt: T0 + 918, rollback: { detectedAt: T0 + 900, restoredAt: T0 + 917 } });
    expect(types(d.actions)).toEqual(['stopSampling', 'persist']);
  });

  it('keeps asking for canary 0 while the route still carries the canary', () => {
    const rolling: ShiftState = { ...baking(1), phase: 'rolling-back', rollback: { cause: 'breach', reason: 'x', detectedAt: T0 } };
    expect(weights(decide(spec, rolling, observation(route(50), probe()), T0 + 1).actions)).toEqual([0]);
  });

  it('rolls back on long-lived breakage seen while the next weight is being written (stepping)', () => {
    const state: ShiftState = { ...initialState(T0), phase: 'stepping', stepIndex: 1, original: { stable: 100, canary: 0 } };
    const obs = observation(route(20), probe({ stepIndex: 1, longLived: longLived([ended(5, 'corrupt', T0 + 3)]) }));
    const d = decide(spec, state, obs, T0 + 4);
    expect(d.state.phase).toBe('rolling-back');
    expect(weights(d.actions)).toEqual([0]);
  });

  it('fails before any write when the baseline probes break (pre-flight)', () => {
    const obs = observation(route(0), probe({ longLived: longLived([open(1), ended(2, 'refused', T0 - 10)]) }));
    const d = decide(spec, initialState(T0), obs, T0);
    expect(d.state.phase).toBe('failed');
    expect(d.state.reason).toMatch(/pre-flight/);
    expect(weights(d.actions)).toEqual([]);
  });
});

describe('decide: operator requests', () => {
  it('abort while baking: the interrupted step is recorded, canary 0 is written, the shift ends aborted', () => {
    const state = baking(1);
    const obs = observation(route(50, T0), probe({ stepIndex: 1, sampling: true, newConnections: newConnections() }), { action: 'abort', by: 'alice' });
    const d = decide(spec, state, obs, T0 + 2000);
    expect(d.state).toMatchObject({ phase: 'rolling-back', rollback: { cause: 'operator', abort: true, reason: 'aborted by alice' } });
    expect(d.state.steps.at(-1)).toMatchObject({ index: 1, verdict: 'interrupted', reasons: ['aborted by alice'] });
    expect(weights(d.actions)).toEqual([0]);
    const done = decide(spec, d.state, observation(route(0, T0 + 2010), probe(), { action: 'abort', by: 'alice' }), T0 + 2011);
    expect(done.state.phase).toBe('aborted');
  });

  it('rollback request ends rolled-back (by an operator, not a breach)', () => {
    const d = decide(spec, baking(0), observation(route(20, T0), probe({ stepIndex: 0, sampling: true }), { action: 'rollback' }), T0 + 1);
    const done = decide(spec, d.state, observation(route(0, T0 + 5), probe()), T0 + 6);
    expect(done.state).toMatchObject({ phase: 'rolled-back', rollback: { cause: 'operator' } });
  });

  it('abort before any weight change writes nothing', () => {
    const d = decide(spec, initialState(T0), observation(route(0), probe({ ready: false }), { action: 'abort', by: 'bob' }), T0);
    expect(d.state.phase).toBe('aborted');
    expect(weights(d.actions)).toEqual([]);
  });

  it('pause leaves the weights and records the step interrupted; resume bakes the same step again without writing its weight twice', () => {
    const state = baking(1);
    const paused = decide(spec, state, observation(route(50, T0), probe({ stepIndex: 1, sampling: true }), { action: 'pause', by: 'ctrl-c' }), T0 + 3000);
    expect(paused.state).toMatchObject({ phase: 'paused', stepIndex: 1, pausedFrom: 'baking' });
    expect(types(paused.actions)).toEqual(['stopSampling', 'persist']);
    expect(paused.state.steps.at(-1)).toMatchObject({ index: 1, targetWeight: 50, verdict: 'interrupted', reasons: ['paused by ctrl-c'], endedAt: T0 + 3000 });
    const resumed = resumeState(paused.state, T0 + 60_000);
    expect(resumed).toMatchObject({ phase: 'stepping', stepIndex: 1 });
    const d = decide(spec, resumed, observation(route(50), probe()), T0 + 60_001);
    expect(weights(d.actions)).toEqual([]);
    expect(d.state).toMatchObject({ phase: 'baking', stepIndex: 1, bakeUntil: T0 + 60_001 + BAKE });
    expect(d.state.drainWindow).toBeUndefined();
    expect(types(d.actions)).toEqual(['markStep', 'startSampling']);
  });

  it('a rollback in flight ignores requests', () => {
    const rolling: ShiftState = { ...baking(1), phase: 'rolling-back', rollback: { cause: 'breach', reason: 'x', detectedAt: T0 } };
    const d = decide(spec, rolling, observation(route(50), probe(), { action: 'pause' }), T0 + 1);
    expect(d.state.phase).toBe('rolling-back');
    expect(weights(d.actions)).toEqual([0]);
  });
});

describe('decide: restarts and failover', () => {
  it('re-establishes probes of a baking step found without them, and bakes a whole bake from then', () => {
    const state = baking(1);
    const d = decide(spec, state, observation(route(50), probe({ stepIndex: undefined })), T0 + 7000);
    expect(types(d.actions)).toEqual(['markStep', 'startSampling']);
    expect(d.state.bakeUntil).toBe(T0 + 7000 + BAKE);
    expect(d.state.stepNotes).toEqual(['probes re-established during the step: the bake counts from then']);
  });

  it('is pure: the same inputs give the same decision, and states survive JSON', () => {
    const state = baking(0);
    const obs = observation(route(20, T0), probe({ stepIndex: 0, sampling: true, samplingDone: true, newConnections: newConnections({ split: {} }) }));
    const a = decide(spec, state, obs, T0 + BAKE + 1);
    const b = decide(spec, JSON.parse(JSON.stringify(state)) as ShiftState, obs, T0 + BAKE + 1);
    expect(b).toEqual(a);
    expect(JSON.parse(JSON.stringify(a.state))).toEqual(a.state);
  });
});

describe('decide: rolling back while a write is unanswered', () => {
  it('is not done while a step weight may still land: it asks for canary 0 (after it) and finishes only once nothing is in flight', () => {
    const rolling: ShiftState = { ...initialState(T0), phase: 'rolling-back', stepIndex: 0, rollback: { cause: 'breach', reason: 'reset', detectedAt: T0 } };
    const pendingStep = decide(spec, rolling, observation({ canaryWeight: 0, stableWeight: 100, inFlight: [20] }, probe()), T0 + 10);
    expect(pendingStep.state.phase).toBe('rolling-back');
    expect(weights(pendingStep.actions)).toEqual([0]);
    const pendingRollback = decide(spec, rolling, observation({ canaryWeight: 0, stableWeight: 100, inFlight: [0] }, probe()), T0 + 20);
    expect(pendingRollback.state.phase).toBe('rolling-back');
    expect(pendingRollback.actions).toEqual([]);
    const done = decide(spec, rolling, observation(route(0, T0 + 30), probe()), T0 + 30);
    expect(done.state.phase).toBe('rolled-back');
  });
});
