// A reconcile in flight when leadership ends (the renew deadline expired, a standby may already
// lead) must not start another status or route write.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeadershipEndedError } from '../../src/controller/index.js';
import { bakingStep, KEY, startHarness, type Harness } from '../support/controller-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.close());

describe('leadership ends mid-reconcile', () => {
  it('the next step is due but leadership has ended: nothing is written, the error says why', async () => {
    h.create();
    await h.runUntil(bakingStep(0));
    await h.clock.advance(60_000); // the bake is over: the next reconcile would write step 2
    const writesBefore = h.writes().length;
    const ended = new AbortController();
    ended.abort();
    await expect(h.reconciler.reconcile({ logger: h.logger, signal: ended.signal }, KEY)).rejects.toThrow(LeadershipEndedError);
    expect(h.writes().slice(writesBefore)).toEqual([]);
    expect(h.api.weights()).toEqual([80, 20]);
    // Still leading, reconciles go on to the next step.
    await h.runUntil(bakingStep(1));
    expect(h.api.weights()).toEqual([50, 50]);
  });
});
