// The controller at a gate (issue 18), in-process against the API emulator with scripted probes
// and a manual clock: a schedule pause waits (status says so) until a promote request, and the
// hook points the engine driver calls (a failing pre-step rolls back; events are notified).
import { afterEach, describe, expect, it } from 'vitest';
import type { HookContext, HookPort, HookResult, HookType } from '../../src/shift/index.js';
import { condition, phaseIs, startHarness, type Harness } from '../support/controller-harness.js';

let h: Harness | undefined;
afterEach(async () => h?.close());

class RecordingHooks implements HookPort {
  readonly calls: string[] = [];
  readonly notified: string[] = [];
  constructor(private readonly failPreStepAt: number) {}
  has(type: HookType): boolean {
    return type === 'pre-step' || type === 'rollback';
  }
  call(type: HookType, context: HookContext): Promise<HookResult[]> {
    this.calls.push(`${type} ${context.step ?? '-'}`);
    const ok = type !== 'pre-step' || context.step !== this.failPreStepAt;
    return Promise.resolve([{ name: 'gatekeeper', type, ok, status: ok ? 204 : 503, attempts: 2, durationMs: 3 }]);
  }
  notify(event: { type: string }): void {
    this.notified.push(event.type);
  }
}

describe('the controller at a gate', () => {
  it('waits at {pause: {}} with the step in place (Progressing, reason Waiting) until a promote request, then promotes', async () => {
    h = await startHarness();
    h.create({ 'spec.schedule.steps': [20, { pause: {} }, 50, 100] });
    await h.runUntil((s) => s?.status?.engine?.state.phase === 'waiting');
    for (let i = 0; i < 3; i++) {
      await h.clock.advance(10_000);
      await h.reconcile();
    }
    const s = h.shift();
    expect(s?.status).toMatchObject({ phase: 'Progressing', currentStep: 1, weights: { canary: 20 } });
    expect(condition(s, 'Progressing')).toMatchObject({ reason: 'Waiting', message: expect.stringMatching(/^waiting at the gate after step 1\/3 for a promote request/) as string });
    h.annotate('promote:1');
    await h.runUntil(phaseIs('Promoted'));
    expect(await h.route.canaryWeights()).toEqual([0, 20, 50, 100]);
    expect((await h.events()).map((e) => e.reason)).toEqual(expect.arrayContaining(['GateWaiting', 'GateOpened', 'Promoted']));
  });

  it('calls the hooks: a failing pre-step hook rolls the shift back before the step is written, naming the hook', async () => {
    const hooks = new RecordingHooks(2);
    h = await startHarness({ hooks });
    h.create();
    await h.runUntil(phaseIs('RolledBack'));
    expect(await h.route.canaryWeights()).toEqual([0, 20, 0]);
    expect((h.shift()?.status as { rollback?: { reason?: string } } | undefined)?.rollback?.reason).toBe('pre-step hook gatekeeper failed: HTTP 503 (2 attempts)');
    expect(condition(h.shift(), 'Degraded')).toMatchObject({ status: 'True', reason: 'Breach' });
    expect(hooks.calls).toEqual(['pre-step 1', 'pre-step 2', 'rollback 1']);
    expect(hooks.notified).toEqual(expect.arrayContaining(['StepStarted', 'StepPassed', 'Breach', 'RollingBack', 'RolledBack']));
  });
});
