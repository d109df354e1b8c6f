// The controller honours spec.analysis.onExternalChange like the CLI (the decision is decide's):
// someone sets the weights mid-bake; the Reconciler against the API emulator, one reconcile at a time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { virtualService } from '../support/apiserver-fixtures.js';
import { bakingStep, condition, phaseIs, startHarness, type Harness } from '../support/controller-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.close());

/** An editor sets the route's weights (other fields and metadata kept). */
function setWeights(stable: number, canary: number): void {
  const vs = h.api.vs();
  h.api.server.objects.update({ ...virtualService('echo', [stable, canary], 'echo'), metadata: vs.metadata });
}

describe('reconcile: weights changed by someone else mid-bake', () => {
  it('pause (default): Paused with reason ExternalChange, the step interrupted, nothing written; continues once the weights are back', async () => {
    h.create();
    await h.runUntil(bakingStep(1));
    setWeights(100, 0);
    const result = await h.reconcile();
    const s = h.shift()!;
    expect(s.status).toMatchObject({ phase: 'Paused', weights: { stable: 100, canary: 0 } });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ExternalChange', message: expect.stringMatching(/changed by someone else: stable 100 \/ canary 0 where this shift wrote stable 50 \/ canary 50/) });
    expect(s.status?.steps?.map((step) => [step.index, step.verdict])).toEqual([[0, 'ok'], [1, 'interrupted']]);
    expect((await h.events()).map((e) => e.reason)).toContain('ExternalChange');
    // It looks at the route again, and writes nothing while it differs.
    expect(result.requeueAfterMs).toBeGreaterThan(0);
    await h.clock.advance(result.requeueAfterMs!);
    await h.reconcile();
    expect(h.api.weights()).toEqual([100, 0]);
    expect(h.shift()?.status?.phase).toBe('Paused');
    setWeights(50, 50);
    await h.runUntil(phaseIs('Promoted'));
    expect(await h.route.canaryWeights()).toEqual([0, 20, 50, 0, 50, 100]);
  });

  it('rollback: a breach, canary 0 written, RolledBack', async () => {
    h.create({ 'spec.analysis.onExternalChange': 'rollback' });
    await h.runUntil(bakingStep(1));
    setWeights(0, 100);
    await h.runUntil(phaseIs('RolledBack'));
    expect(h.api.weights()).toEqual([100, 0]);
    expect(h.shift()?.status?.rollback).toMatchObject({ cause: 'breach', reason: expect.stringMatching(/changed by someone else/) });
  });

  it("reassert: the step's weights written again and the shift goes on to promotion", async () => {
    h.create({ 'spec.analysis.onExternalChange': 'reassert' });
    await h.runUntil(bakingStep(1));
    setWeights(100, 0);
    await h.runUntil(phaseIs('Promoted'));
    expect(await h.route.canaryWeights()).toEqual([0, 20, 50, 0, 50, 100]);
    expect(h.shift()?.status?.steps?.map((step) => [step.index, step.verdict])).toEqual([[0, 'ok'], [1, 'interrupted'], [1, 'ok'], [2, 'ok']]);
  });
});
