// The runner's hook points (issue 18) with an in-memory HookPort, over the real router and
// annotation port against the API emulator (one for the file) and scripted probes: the order of
// the calls, a failing pre-step rolls back, a confirm gate waits (polled) and a breach during the
// wait rolls back without waiting for the hook, and a hanging hook never holds up a rollback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRouter } from '../../src/router/index.js';
import { acquireChange, AnnotationStatePort, initialState, ShiftRunner, type HookContext, type HookPort, type HookResult, type HookType, type ShiftState } from '../../src/shift/index.js';
import type { ResolvedShift } from '../../src/spec/resolved-shift.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { virtualService } from '../support/apiserver-fixtures.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';
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
});

type Answer = (context: HookContext, signal: AbortSignal | undefined) => Promise<HookResult[]>;

/** A HookPort in memory: records each call with the route's canary weight at that moment. */
class FakeHooks implements HookPort {
  readonly calls: string[] = [];
  readonly notified: string[] = [];
  readonly signals: AbortSignal[] = [];
  constructor(private readonly types: HookType[], private readonly answers: Partial<Record<HookType, Answer>> = {}) {}
  has(type: HookType): boolean {
    return this.types.includes(type);
  }
  call(type: HookType, context: HookContext, signal?: AbortSignal): Promise<HookResult[]> {
    this.calls.push(`${type} step ${context.step ?? '-'} to ${context.canaryWeight}% (route at ${api.weights()[1]}%)`);
    if (signal) this.signals.push(signal);
    return this.answers[type]?.(context, signal) ?? Promise.resolve([result(type, true)]);
  }
  notify(event: { type: string }): void {
    this.notified.push(event.type);
  }
}

function result(type: HookType, ok: boolean, status = ok ? 200 : 500): HookResult {
  return { name: `${type}-hook`, type, ok, status, attempts: 1, durationMs: 1 };
}

const never = (): Promise<HookResult[]> => new Promise<HookResult[]>(() => undefined);

async function setUp(shift: ResolvedShift, hooks: HookPort, clock: Clock = systemClock) {
  const router = createRouter(api.kube, shift);
  const state: ShiftState = initialState(clock.now());
  const stepCount = shift.spec.schedule.steps.length;
  const acquired = await router.update((current) => acquireChange(current, { mode: 'start', name: 'echo', identity: 'test/1/a', ttlMs: 60_000, now: clock.now(), state, stepCount, resource: {} }));
  const port = new AnnotationStatePort({ router, identity: 'test/1/a', ttlMs: 60_000, clock, stepCount, basis: acquired.snapshot });
  const prober = new ScriptedProber();
  const route = { canaryWeight: 0, stableWeight: 100, shape: acquired.snapshot.shape };
  const runner = new ShiftRunner({ spec: shift.spec, state, route, prober, port, clock, hooks, shift: { name: 'echo', namespace: 'echo' }, rollbackBackoff: { baseMs: 10, maxMs: 50 } });
  return { runner, prober };
}

/** Let the runner work (and a manual clock move, 100 ms a turn) until the condition holds. */
async function until(condition: () => boolean, clock?: ManualClock): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) {
    if (clock) await clock.advance(100);
    await new Promise((r) => setTimeout(r, 2));
  }
  expect(condition()).toBe(true);
}

describe('ShiftRunner hook points', () => {
  it('calls the hooks in order around each step: confirm and pre-step before the write, post-step after the step passed', async () => {
    const hooks = new FakeHooks(['confirm-step', 'confirm-promotion', 'pre-step', 'post-step', 'event']);
    const { runner } = await setUp(shiftFor({ 'spec.schedule.steps': [20, 100], 'spec.schedule.bake': '30ms' }), hooks);
    expect((await runner.run()).phase).toBe('promoted');
    expect(hooks.calls).toEqual([
      'confirm-step step 1 to 20% (route at 0%)',
      'pre-step step 1 to 20% (route at 0%)',
      'post-step step 1 to 20% (route at 20%)',
      'confirm-step step 2 to 100% (route at 20%)',
      'confirm-promotion step 2 to 100% (route at 20%)',
      'pre-step step 2 to 100% (route at 20%)',
      'post-step step 2 to 100% (route at 100%)',
    ]);
    expect(hooks.notified.filter((t) => t !== 'GateWaiting' && t !== 'GateOpened')).toEqual(['StepStarted', 'StepPassed', 'StepStarted', 'StepPassed', 'Promoted']);
  });

  it('a failing pre-step hook fails the step before its write: rolled back, the reason naming the hook and its status', async () => {
    const hooks = new FakeHooks(['pre-step', 'rollback'], { 'pre-step': (ctx) => Promise.resolve([result('pre-step', ctx.step !== 2)]) });
    const { runner } = await setUp(shiftFor({ 'spec.schedule.bake': '30ms' }), hooks);
    const final = await runner.run();
    expect(final.phase).toBe('rolled-back');
    expect(final.rollback?.reason).toBe('pre-step hook pre-step-hook failed: HTTP 500 (1 attempt)');
    expect(api.weights()).toEqual([100, 0]);
    expect(hooks.calls).toEqual(['pre-step step 1 to 20% (route at 0%)', 'pre-step step 2 to 50% (route at 20%)', 'rollback step 1 to 20% (route at 20%)']);
  });

  it('a confirm gate is polled every 5 s while the probes run; a breach meanwhile rolls back at once and aborts the call in flight', async () => {
    const clock = new ManualClock();
    let step2Calls = 0;
    // Step 2's confirmation: refused twice, then no answer at all.
    const confirm = (ctx: HookContext): Promise<HookResult[]> => {
      if (ctx.step !== 2) return Promise.resolve([result('confirm-step', true)]);
      step2Calls++;
      return step2Calls <= 2 ? Promise.resolve([result('confirm-step', false)]) : never();
    };
    const hooks = new FakeHooks(['confirm-step'], { 'confirm-step': confirm });
    const { runner, prober } = await setUp(shiftFor({ 'spec.schedule.bake': '1s' }), hooks, clock);
    const running = runner.run();
    await until(() => hooks.calls.length === 2, clock);
    expect(runner.current()).toMatchObject({ phase: 'waiting', stepIndex: 0, gate: { kind: 'confirm-step', afterStep: 0 } });
    const refusedAt = clock.now();
    await until(() => hooks.calls.length === 4, clock);
    expect(step2Calls).toBe(3);
    expect(clock.now() - refusedAt).toBeGreaterThanOrEqual(5000);
    expect(runner.current().phase).toBe('waiting');
    expect(api.weights()).toEqual([80, 20]);
    prober.end({ id: 2, version: 'v2', openedAt: clock.now() - 500, endedAt: clock.now(), end: 'reset' });
    const final = await running;
    expect(final.phase).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'breach', detectedAt: clock.now() });
    expect(api.weights()).toEqual([100, 0]);
    expect(hooks.signals.at(-1)?.aborted).toBe(true);
  });

  it('a rollback hook that never answers does not hold up the rollback', async () => {
    const clock = new ManualClock();
    const hooks = new FakeHooks(['rollback', 'post-step'], { rollback: never, 'post-step': never });
    const { runner, prober } = await setUp(shiftFor({ 'spec.schedule.bake': '60s' }), hooks, clock);
    const running = runner.run();
    await until(() => runner.current().phase === 'baking');
    prober.end({ id: 1, version: 'v2', openedAt: clock.now() - 100, endedAt: clock.now(), end: 'timeout', detectionMs: 900 });
    const final = await running;
    expect(final.phase).toBe('rolled-back');
    expect(api.weights()).toEqual([100, 0]);
    expect(hooks.calls).toEqual(['rollback step 1 to 20% (route at 20%)']);
  });
});
