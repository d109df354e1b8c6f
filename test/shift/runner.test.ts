// The runner over the real router and annotation port against the API emulator, with scripted
// probes: writes per step, immediacy of the rollback, its retries, and losing the lock.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRouter, scopedKey, type TrafficRouter } from '../../src/router/index.js';
import {
  acquireChange,
  AnnotationStatePort,
  initialState,
  readShiftState,
  ShiftAnnotations,
  ShiftRunner,
  type ShiftState,
} from '../../src/shift/index.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { virtualService } from '../support/apiserver-fixtures.js';
import { ECHO_ROUTE, startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';
import { shiftFor } from '../support/shift-fixtures.js';
import { ScriptedProber } from '../support/shift-prober.js';

let api: ShiftApi;
beforeAll(async () => {
  api = await startShiftApi();
});
afterAll(async () => api.close());

beforeEach(() => {
  const vs = api.vs();
  api.server.objects.update({ ...virtualService('echo', [100, 0], 'echo'), metadata: { ...vs.metadata, annotations: {}, labels: {} } });
  api.server.faults.reset();
});

const IDENTITY = 'test-host/1/abc';

async function setUp(shift = shiftFor({ 'spec.schedule.bake': '50ms' }), clock: Clock = systemClock) {
  const router: TrafficRouter = createRouter(api.kube, shift);
  const state: ShiftState = initialState(clock.now());
  const acquired = await router.update((current) =>
    acquireChange(current, { mode: 'start', name: 'demo', identity: IDENTITY, ttlMs: 60_000, now: clock.now(), state, stepCount: shift.spec.schedule.steps.length, resource: {} }),
  );
  api.server.resetRequestCounts();
  const port = new AnnotationStatePort({ router, identity: IDENTITY, ttlMs: 60_000, clock, stepCount: shift.spec.schedule.steps.length, basis: acquired.snapshot });
  const prober = new ScriptedProber();
  const runner = new ShiftRunner({
    spec: shift.spec,
    state,
    route: { canaryWeight: acquired.snapshot.weights.canary, stableWeight: acquired.snapshot.weights.stable, shape: acquired.snapshot.shape },
    prober,
    port,
    clock,
    rollbackBackoff: { baseMs: 10, maxMs: 50 },
  });
  return { router, port, prober, runner };
}


describe('ShiftRunner', () => {
  it('promotes with exactly one VirtualService write per step, plus the final state', async () => {
    const { runner, prober } = await setUp();
    const final = await runner.run();
    expect(final.phase).toBe('promoted');
    expect(api.weights()).toEqual([0, 100]);
    expect(api.writes()).toEqual({ 'patch virtualservices': 4 });
    expect(prober.calls.filter((c) => c.startsWith('sample'))).toEqual(['sample 0 0.2 changed', 'sample 1 0.5 changed', 'sample 2 1 changed']);
    const stored = readShiftState(api.annotations())!;
    expect(stored).toMatchObject({ phase: 'promoted', stepIndex: 2 });
    expect(stored.steps.map((s) => s.verdict)).toEqual(['ok', 'ok', 'ok']);
    expect(api.annotations()[ShiftAnnotations.holder]).toBeUndefined();
  });

  it('rolls back as soon as a long-lived end is pushed, not at the end of the bake', async () => {
    const clock = new ManualClock();
    const { runner, prober } = await setUp(shiftFor({ 'spec.schedule.bake': '60s' }), clock);
    const running = runner.run();
    for (let i = 0; i < 100 && runner.current().phase !== 'baking'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(runner.current()).toMatchObject({ phase: 'baking', stepIndex: 0 });
    await clock.advance(1000);
    prober.end({ id: 3, version: 'v2', openedAt: clock.now() - 900, endedAt: clock.now(), end: 'reset', detail: 'ECONNRESET' });
    const final = await running;
    expect(final.phase).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'breach', detectedAt: clock.now() });
    expect(final.rollback!.restoredAt).toBeLessThan(final.steps[0]!.startedAt + 60_000);
    expect(api.weights()).toEqual([100, 0]);
    // step 1 + rollback (weight and state in one write) + the final state
    expect(api.writes()).toEqual({ 'patch virtualservices': 3 });
  });

  it('a rollback removes the canary destination it had to add: the route as it was before the shift', async () => {
    const vs = api.vs();
    const lone = { ...vs.spec.tcp[0]!, route: [{ destination: vs.spec.tcp[0]!.route[0]!.destination }] }; // v1 alone, no weight
    api.server.objects.update({ ...vs, spec: { ...vs.spec, tcp: [lone] } });
    const original = JSON.stringify(api.vs().spec);
    const { runner, prober } = await setUp(shiftFor({ 'spec.schedule.bake': '30s' }));
    const running = runner.run();
    for (let i = 0; i < 200 && runner.current().phase !== 'baking'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(api.vs().spec.tcp[0]!.route).toHaveLength(2);
    prober.end({ id: 1, version: 'v2', openedAt: Date.now() - 100, endedAt: Date.now(), end: 'reset' });
    expect((await running).phase).toBe('rolled-back');
    expect(JSON.stringify(api.vs().spec)).toBe(original);
  });

  it('retries the rollback until it is written while the API fails', async () => {
    const { runner, prober } = await setUp(shiftFor({ 'spec.schedule.bake': '30s' }));
    const running = runner.run();
    for (let i = 0; i < 200 && runner.current().phase !== 'baking'; i++) await new Promise((r) => setTimeout(r, 10));
    api.server.faults.failNext(12, 500, { verbs: ['patch'] });
    prober.end({ id: 1, version: 'v2', openedAt: Date.now() - 100, endedAt: Date.now(), end: 'timeout', detectionMs: 900 });
    const final = await running;
    expect(final.phase).toBe('rolled-back');
    expect(api.server.faults.injected).toBe(12);
    expect(api.weights()).toEqual([100, 0]);
  });

  it('stops without another write when its lock was taken over', async () => {
    const { runner } = await setUp(shiftFor({ 'spec.schedule.bake': '200ms' }));
    const running = runner.run();
    for (let i = 0; i < 200 && runner.current().phase !== 'baking'; i++) await new Promise((r) => setTimeout(r, 5));
    const vs = api.vs();
    const holderKey = scopedKey(ShiftAnnotations.holder, ECHO_ROUTE.key);
    const taken = api.server.objects.update({ ...vs, metadata: { ...vs.metadata, annotations: { ...vs.metadata.annotations, [holderKey]: 'elsewhere/2/xyz' } } });
    const final = await running;
    expect(final.phase).toBe('failed');
    expect(final.reason).toMatch(/taken over by elsewhere\/2\/xyz/);
    // Its next write (the step's end) was refused by the `test` of the stale version, re-read, and not sent again.
    expect(api.vs().metadata.resourceVersion).toBe(taken.metadata.resourceVersion);
    expect(api.weights()).toEqual([80, 20]);
  });

  it('halt() ends the run at once without writing', async () => {
    const { runner } = await setUp(shiftFor({ 'spec.schedule.bake': '60s' }));
    const running = runner.run();
    for (let i = 0; i < 200 && runner.current().phase !== 'baking'; i++) await new Promise((r) => setTimeout(r, 5));
    api.server.resetRequestCounts();
    runner.halt('lost the lock');
    expect(await running).toMatchObject({ phase: 'failed', reason: 'lost the lock' });
    expect(api.writes()).toEqual({});
  });
});
