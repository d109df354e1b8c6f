// decide when someone else changes the route mid-step (spec.analysis.onExternalChange), pure:
// the step is never "ok", the reason is in the state and the step record, and each choice does
// what it says: pause (holding until the weights are back or an operator acts), rollback, reassert.
import { describe, expect, it } from 'vitest';
import { decide, initialState, resumeState, type Action, type RouteObservation, type ShiftState } from '../../src/shift/index.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import { newConnections, observation, probe, route, shiftDocument, shiftFor, T0 } from '../support/shift-fixtures.js';

const BAKE = 10_000;
const specWith = (onExternalChange: string) => shiftFor({ 'spec.analysis.onExternalChange': onExternalChange }).spec;
const weights = (actions: Action[]): number[] => actions.flatMap((a) => (a.type === 'setWeight' ? [a.canaryWeight] : []));
const bakingProbe = () => probe({ stepIndex: 1, sampling: true, newConnections: newConnections() });

/** Step 2 (canary 50) baking since T0. */
function baking(spec = specWith('pause')): ShiftState {
  const stepping: ShiftState = { ...initialState(T0), phase: 'stepping', stepIndex: 1, original: { stable: 100, canary: 0 } };
  const d = decide(spec, stepping, observation(route(50, T0), probe({ stepIndex: 1 })), T0);
  expect(d.state.phase).toBe('baking');
  return d.state;
}

const edited: RouteObservation = { canaryWeight: 0, stableWeight: 100 };

describe('decide: weights changed by someone else while a step bakes', () => {
  it('is the spec default to pause: the step is recorded as interrupted with the reason, the state says why, the weights are left alone', () => {
    const spec = shiftFor().spec;
    expect(spec.analysis.onExternalChange).toBe('pause');
    const d = decide(spec, baking(spec), observation(edited, bakingProbe()), T0 + 3000);
    expect(d.state).toMatchObject({ phase: 'paused', pausedFrom: 'stepping', pausedBy: 'external-change', stepIndex: 1 });
    expect(d.state.reason).toMatch(/^paused: the route's weights were changed by someone else: stable 100 \/ canary 0 where this shift wrote stable 50 \/ canary 50/);
    expect(d.state.steps.at(-1)).toMatchObject({ index: 1, verdict: 'interrupted', reasons: [expect.stringMatching(/changed by someone else/)] });
    expect(weights(d.actions)).toEqual([]);
    expect(d.actions.map((a) => a.type)).toEqual(['stopSampling', 'persist']);
    expect(d.events.map((e) => [e.type, e.warning])).toEqual([['ExternalChange', true], ['Paused', true]]);
  });

  it('rollback: a breach of the step, then canary 0 (no write when the editor already put it there)', () => {
    const spec = specWith('rollback');
    const promotedByHand = { canaryWeight: 100, stableWeight: 0 };
    const d = decide(spec, baking(spec), observation(promotedByHand, bakingProbe()), T0 + 3000);
    expect(d.state.phase).toBe('rolling-back');
    expect(d.state.rollback).toMatchObject({ cause: 'breach', detectedAt: T0 + 3000, reason: expect.stringMatching(/stable 0 \/ canary 100 where/) });
    expect(d.state.steps.at(-1)).toMatchObject({ verdict: 'breach' });
    expect(weights(d.actions)).toEqual([0]);
    const alreadyStable = decide(spec, baking(spec), observation(edited, bakingProbe()), T0 + 3000);
    expect(alreadyStable.state.phase).toBe('rolled-back');
    expect(weights(alreadyStable.actions)).toEqual([]);
  });

  it("reassert: the step's weight written again and the step measured afresh", () => {
    const spec = specWith('reassert');
    const d = decide(spec, baking(spec), observation(edited, bakingProbe()), T0 + 3000);
    expect(d.state).toMatchObject({ phase: 'stepping', stepIndex: 1 });
    expect(d.state.steps.at(-1)).toMatchObject({ verdict: 'interrupted' });
    expect(d.actions.map((a) => a.type)).toEqual(['stopSampling', 'markStep', 'setWeight']);
    expect(weights(d.actions)).toEqual([50]);
    // Once written again, the step bakes a whole bake from then.
    const again = decide(spec, d.state, observation(route(50, T0 + 4000), probe({ stepIndex: 1 })), T0 + 4000);
    expect(again.state).toMatchObject({ phase: 'baking', bakeUntil: T0 + 4000 + BAKE });
  });

  it('a route tcpshift can no longer shift (another destination carries traffic) stops the step with that reason', () => {
    const refusal = 'spec.tcp[0].route: destinations other than the stable and canary subsets carry traffic: spec.tcp[0].route[2] (echo/v3)';
    const d = decide(specWith('pause'), baking(), observation({ ...route(50, T0), refusal }, bakingProbe()), T0 + 1000);
    expect(d.state.phase).toBe('paused');
    expect(d.state.reason).toContain(refusal);
    expect(d.state.steps.at(-1)!.reasons[0]).toContain('cannot be shifted any more');
  });

  it('an unknown choice in the spec is an error naming the field', () => {
    const result = parseTCPShiftObject(shiftDocument({ 'spec.analysis.onExternalChange': 'ignore' }));
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toEqual([{ path: 'spec.analysis.onExternalChange', message: 'must be one of: pause, rollback, reassert' }]);
  });

  it('the weights the step wrote (even re-read, without a write time) are not an external change', () => {
    const state = baking();
    const d = decide(specWith('pause'), state, observation(route(50), bakingProbe()), T0 + 3000);
    expect(d.state).toBe(state);
    expect(d.actions).toEqual([]);
  });
});

describe('decide: a pause held by an external change', () => {
  const paused = (): ShiftState => decide(specWith('pause'), baking(), observation(edited, bakingProbe()), T0 + 3000).state;

  it('holds while the route differs, and resumes the step by itself once the weights are back (the controller re-reads the route)', () => {
    const held = decide(specWith('pause'), paused(), observation(edited, probe({ stepIndex: 1 })), T0 + 5000);
    expect(held.state.phase).toBe('paused');
    expect(held.actions).toEqual([]);
    const back = decide(specWith('pause'), paused(), observation(route(50), probe({ stepIndex: 1 })), T0 + 6000);
    expect(back.events.map((e) => e.type)).toContain('Resumed');
    expect(back.state).toMatchObject({ phase: 'baking', stepIndex: 1, bakeUntil: T0 + 6000 + BAKE });
    expect(back.state.pausedBy).toBeUndefined();
  });

  it('an operator rollback still rolls back; a pause request turns it into an ordinary pause that unpausing resumes', () => {
    const rolled = decide(specWith('pause'), paused(), observation({ canaryWeight: 100, stableWeight: 0 }, probe(), { action: 'rollback', by: 'ops' }), T0 + 5000);
    expect(rolled.state.phase).toBe('rolling-back');
    expect(weights(rolled.actions)).toEqual([0]);
    const ordinary = decide(specWith('pause'), paused(), observation(edited, probe(), { action: 'pause', by: 'spec.paused' }), T0 + 5000).state;
    expect(ordinary).toMatchObject({ phase: 'paused' });
    expect(ordinary.pausedBy).toBeUndefined();
    const unpaused = decide(specWith('pause'), ordinary, observation(edited, probe({ stepIndex: 1 })), T0 + 6000);
    expect(weights(unpaused.actions)).toEqual([50]);
  });

  it('`tcpshift resume` (resumeState) takes the step up again and writes its weight', () => {
    const resumed = resumeState(paused(), T0 + 7000);
    expect(resumed).toMatchObject({ phase: 'stepping', stepIndex: 1 });
    expect(resumed.pausedBy).toBeUndefined();
    expect(weights(decide(specWith('pause'), resumed, observation(edited, probe()), T0 + 7000).actions)).toEqual([50]);
  });
});
