import { describe, expect, it } from 'vitest';
import type { MetricEvaluation, MetricsObservation } from '../../src/analysis/index.js';
import { decide, initialState, planWarnings, type ShiftState } from '../../src/shift/index.js';
import { newConnections, observation, probe, route, shiftFor, T0 } from '../support/shift-fixtures.js';

// A shift with one metric check next to the (passing) probes: its evaluations are a separate input of the verdict.
const metric = (onNoData: 'fail' | 'ignore' | 'wait', failureLimit = 1) =>
  shiftFor({ 'spec.analysis.metrics': [{ name: 'failures', template: 'tcp-connection-failure-rate', thresholdRange: { max: 0.05 }, interval: '2s', failureLimit, onNoData }] }).spec;

function baking(spec: ReturnType<typeof metric>): ShiftState {
  const stepping: ShiftState = { ...initialState(T0), phase: 'stepping', stepIndex: 0, original: { stable: 100, canary: 0 } };
  return decide(spec, stepping, observation(route(20, T0), probe({ stepIndex: 0 })), T0).state;
}

const evaluation = (at: number, value: number | null): MetricEvaluation => ({ name: 'failures', at, value, verdict: value === null ? 'no-data' : value > 0.05 ? 'failed' : 'ok' });
const seen = (...evaluations: MetricEvaluation[]): MetricsObservation => ({ stepIndex: 0, since: T0, evaluations });
const healthyProbes = (metrics: MetricsObservation | undefined) =>
  probe({ stepIndex: 0, sampling: true, samplingDone: true, newConnections: newConnections({ split: {} }), ...(metrics ? { metrics } : {}) });

describe('decide with metric checks', () => {
  it('rolls back at once when a metric fails mid-bake, although the probes saw nothing wrong; the step records the metric', () => {
    const spec = metric('fail');
    const state = baking(spec);
    const d = decide(spec, state, observation(route(20, T0), healthyProbes(seen(evaluation(T0 + 2000, 0.01), evaluation(T0 + 4000, 0.5)))), T0 + 4001);
    expect(d.state.phase).toBe('rolling-back');
    expect(d.state.rollback).toMatchObject({ cause: 'breach', reason: 'metric failures: 0.5 outside [-, 0.05]', detectedAt: T0 + 4000 });
    expect(d.state.steps[0]).toMatchObject({ verdict: 'breach', metrics: [{ name: 'failures', value: 0.5, max: 0.05, verdict: 'failed' }] });
    expect(d.events.map((e) => e.type)).toEqual(['Breach', 'RollingBack']);
    expect(d.actions).toContainEqual({ type: 'setWeight', canaryWeight: 0, purpose: 'rollback' });
  });

  it('passes the step with ok evaluations and reports the last value', () => {
    const spec = metric('fail');
    const state = baking(spec);
    const d = decide(spec, state, observation(route(20, T0), healthyProbes(seen(evaluation(T0 + 2000, 0.02), evaluation(T0 + 4000, 0)))), state.bakeUntil!);
    expect(d.state).toMatchObject({ phase: 'stepping', stepIndex: 1 });
    expect(d.state.steps[0]).toMatchObject({ verdict: 'ok', metrics: [{ name: 'failures', value: 0, verdict: 'ok' }] });
  });

  it('onNoData ignore: a bake of empty evaluations passes; fail: it rolls back; wait: it holds, then fails after the bake', () => {
    const empty = (spec: ReturnType<typeof metric>, at: number) => observation(route(20, T0), healthyProbes(seen(evaluation(at, null))));
    const ignore = metric('ignore');
    expect(decide(ignore, baking(ignore), empty(ignore, T0 + 2000), baking(ignore).bakeUntil!).state.phase).toBe('stepping');
    const fail = metric('fail');
    expect(decide(fail, baking(fail), empty(fail, T0 + 2000), T0 + 2001).state.phase).toBe('rolling-back');

    const wait = metric('wait');
    const state = baking(wait);
    const held = decide(wait, state, empty(wait, T0 + 2000), state.bakeUntil!);
    expect(held.state).toBe(state);
    expect(held.actions).toEqual([]);
    expect(held.wakeAt).toBeGreaterThan(state.bakeUntil!);
    const late = decide(wait, state, observation(route(20, T0), healthyProbes(seen(evaluation(T0 + 2000, null), evaluation(state.bakeUntil! + 2000, null)))), state.bakeUntil! + 2001);
    expect(late.state.rollback?.reason).toBe('metric failures: no data, onNoData: wait');
    const data = decide(wait, state, observation(route(20, T0), healthyProbes(seen(evaluation(T0 + 2000, null), evaluation(state.bakeUntil! + 2000, 0)))), state.bakeUntil! + 2001);
    expect(data.state.phase).toBe('stepping');
  });

  it('holds a finished bake until the check was evaluated once in this step (evaluations of another step do not count)', () => {
    const spec = metric('ignore');
    const state = baking(spec);
    const other: MetricsObservation = { stepIndex: 3, since: T0, evaluations: [evaluation(T0 + 1, 0)] };
    expect(decide(spec, state, observation(route(20, T0), healthyProbes(other)), state.bakeUntil!).state).toBe(state);
    expect(decide(spec, state, observation(route(20, T0), healthyProbes(undefined)), state.bakeUntil!).state).toBe(state);
  });

  it('a shift without metric checks reports no metrics field', () => {
    const spec = shiftFor().spec;
    const state = baking(spec);
    const d = decide(spec, state, observation(route(20, T0), healthyProbes(undefined)), state.bakeUntil!);
    expect(d.state.steps[0]).not.toHaveProperty('metrics');
  });

  it("warns up front when a check's interval is longer than the bake (each step then waits for it)", () => {
    const slow = shiftFor({ 'spec.analysis.metrics': [{ name: 'failures', template: 'tcp-connections-opened', thresholdRange: { min: 1 }, interval: '30s', onNoData: 'fail' }] }).spec;
    expect(planWarnings(slow)).toContain('metric failures: interval 30s is longer than the bake 10s: each step waits for the check\'s first evaluation, one interval after its weight change');
    expect(planWarnings(metric('fail')).filter((w) => w.startsWith('metric'))).toEqual([]);
  });
});
