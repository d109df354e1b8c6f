// promote (end the asked step's bake now) and promote --full (canary 100 now) in the pure engine,
// and how the CLI's request tracker ranks them against pause/abort.
import { describe, expect, it } from 'vitest';
import { decide, initialState, readRequest, requestAnnotations, RequestTracker, type Action, type ShiftState } from '../../src/shift/index.js';
import { newConnections, observation, probe, route, shiftFor, T0 } from '../support/shift-fixtures.js';

const spec = shiftFor().spec;
const weights = (actions: Action[]): number[] => actions.flatMap((a) => (a.type === 'setWeight' ? [a.canaryWeight] : []));

function baking(i: number): ShiftState {
  const start = decide(spec, { ...initialState(T0), phase: 'stepping', stepIndex: i, original: { stable: 100, canary: 0 } }, observation(route(spec.schedule.steps[i]!, T0), probe({ stepIndex: i })), T0);
  expect(start.state.phase).toBe('baking');
  return start.state;
}

const sampling = (i: number, refused = 0) => probe({ stepIndex: i, sampling: true, newConnections: newConnections({ failed: { refused } }) });

describe('decide: promote requests', () => {
  it('promote of the baking step ends its bake now: the step passes (noted) and the next weight is written', () => {
    const d = decide(spec, baking(0), observation(route(20, T0), sampling(0), { action: 'promote', step: 1, by: 'alice' }), T0 + 1000);
    expect(d.state).toMatchObject({ phase: 'stepping', stepIndex: 1 });
    expect(d.state.steps[0]).toMatchObject({ index: 0, verdict: 'ok', notes: expect.arrayContaining(['bake ended early: promote requested by alice']) });
    expect(weights(d.actions)).toEqual([spec.schedule.steps[1]]);
  });

  it('a promote left for an earlier step does not end a later bake', () => {
    const state = baking(1);
    const d = decide(spec, state, observation(route(spec.schedule.steps[1]!, T0), sampling(1), { action: 'promote', step: 1 }), T0 + 1000);
    expect(d.state).toBe(state);
    expect(d.actions).toEqual([]);
  });

  it('a promoted step is still judged: failures seen so far are a breach and roll back', () => {
    const d = decide(spec, baking(0), observation(route(20, T0), sampling(0, 50), { action: 'promote', step: 1 }), T0 + 1000);
    expect(d.state.phase).toBe('rolling-back');
    expect(weights(d.actions)).toEqual([0]);
  });

  it('promote --full from a bake records the step interrupted and writes canary 100 at once', () => {
    const d = decide(spec, baking(0), observation(route(20, T0), sampling(0), { action: 'promote-full', by: 'alice' }), T0 + 1000);
    expect(d.state.phase).toBe('promoting');
    expect(d.state.steps[0]).toMatchObject({ verdict: 'interrupted', reasons: ['promote --full requested by alice'] });
    expect(weights(d.actions)).toEqual([100]);
    expect(d.events.map((e) => e.type)).toEqual(['Promoting']);
  });

  it('pending and paused shifts ignore promote requests', () => {
    const pending = initialState(T0);
    expect(decide(spec, pending, observation(route(0), probe({ ready: false }), { action: 'promote-full' }), T0).state).toBe(pending);
    const paused: ShiftState = { ...baking(0), phase: 'paused', pausedFrom: 'baking' };
    expect(decide(spec, paused, observation(route(20, T0), probe(), { action: 'promote', step: 1 }), T0).state.phase).not.toBe('stepping');
  });
});

describe('request annotations', () => {
  it('promote names its step; a promote without one, or with a bad one, is ignored', () => {
    const annotations = requestAnnotations('promote', 'bob', 2) as Record<string, string>;
    expect(annotations['tcpshift.io/request']).toBe('promote:2');
    expect(readRequest(annotations)).toEqual({ action: 'promote', step: 2, by: 'bob' });
    expect(readRequest({ 'tcpshift.io/request': 'promote' })).toBeUndefined();
    expect(readRequest({ 'tcpshift.io/request': 'promote:x' })).toBeUndefined();
    expect(readRequest({ 'tcpshift.io/request': 'promote-full' })).toEqual({ action: 'promote-full' });
    expect(readRequest({ 'tcpshift.io/request': 'retry' })).toEqual({ action: 'retry' });
  });

  it('the tracker lets a pause or abort replace a promote, a newer promote replace an older one, never an abort be replaced', () => {
    const tracker = new RequestTracker();
    tracker.set({ action: 'promote', step: 1 });
    tracker.set({ action: 'promote', step: 2 });
    expect(tracker.current()).toEqual({ action: 'promote', step: 2 });
    tracker.set({ action: 'pause' });
    tracker.set({ action: 'promote', step: 3 });
    expect(tracker.current()?.action).toBe('pause');
    tracker.set({ action: 'abort' });
    tracker.set({ action: 'pause' });
    expect(tracker.current()?.action).toBe('abort');
  });
});
