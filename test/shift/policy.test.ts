import { describe, expect, it } from 'vitest';
import { assessLongLived, assessNewConnections, assessStep, preflightBreaches } from '../../src/shift/index.js';
import { END_KINDS } from '../../src/probe/index.js';
import { ended, longLived, newConnections, open, shiftFor, T0 } from '../support/shift-fixtures.js';

const tolerate = shiftFor().spec;
const preserve = shiftFor({ 'spec.analysis.existingConnections': 'preserve' }).spec;
const lenient = shiftFor({ 'spec.analysis.maxEchoErrors': 2 }).spec;

describe('long-lived connections', () => {
  it('tolerate-drain: drained ends are reported, never a breach', () => {
    expect(assessLongLived(tolerate, longLived([ended(1, 'drained', T0), ended(2, 'drained', T0 + 1), open(3)]))).toEqual([]);
  });

  it('preserve: the first drained end is a breach, seen at its time', () => {
    const [breach] = assessLongLived(preserve, longLived([open(1), ended(2, 'drained', T0 + 40), ended(3, 'drained', T0 + 20)]));
    expect(breach).toMatchObject({ kind: 'drain', at: T0 + 20 });
    expect(breach!.message).toMatch(/connection 3 .*drained.*preserve/);
  });

  it.each(END_KINDS.filter((k) => k !== 'drained'))('%s end is an echo error: a breach with maxEchoErrors 0, under either policy', (kind) => {
    for (const spec of [tolerate, preserve]) {
      const breaches = assessLongLived(spec, longLived([open(1), ended(7, kind, T0 + 5, { version: 'v2' })]));
      expect(breaches).toHaveLength(1);
      expect(breaches[0]).toMatchObject({ kind: 'echo-errors', at: T0 + 5 });
      expect(breaches[0]!.message).toContain(`connection 7 (v2) ended: ${kind}`);
    }
  });

  it('maxEchoErrors N tolerates N errors; the N+1th breaches at its own time', () => {
    const two = [ended(1, 'timeout', T0 + 10), ended(2, 'reset', T0 + 20)];
    expect(assessLongLived(lenient, longLived(two))).toEqual([]);
    const [breach] = assessLongLived(lenient, longLived([...two, ended(3, 'corrupt', T0 + 30), ended(4, 'closed', T0 + 40)]));
    expect(breach).toMatchObject({ kind: 'echo-errors', at: T0 + 30 });
    expect(breach!.message).toMatch(/^4 long-lived connection errors > maxEchoErrors 2/);
  });

  it('pre-flight: any breakage before the first weight change, summarised by kind', () => {
    expect(preflightBreaches(longLived([open(1), ended(2, 'drained', T0)]))).toEqual([]);
    const [breach] = preflightBreaches(longLived([ended(1, 'refused', T0 + 2), ended(2, 'refused', T0 + 1), ended(3, 'timeout', T0 + 3)]));
    expect(breach).toMatchObject({ kind: 'preflight', at: T0 + 1 });
    expect(breach!.message).toMatch(/1 timeout, 2 refused/);
  });
});

describe('new connections', () => {
  // perStep 1000, maxNewConnectionFailureRate 0.01 (default): 10 failures may still pass.
  it('a failure rate above the limit is a breach only when sampling ends', () => {
    const block = newConnections({ ok: 98, failed: { refused: 2 } });
    expect(assessNewConnections(tolerate, block, false, T0).breaches).toEqual([]);
    const [breach] = assessNewConnections(tolerate, block, true, T0 + 9).breaches;
    expect(breach).toMatchObject({ kind: 'failure-rate', at: T0 + 9 });
    expect(breach!.message).toMatch(/2 of 100 failed \(2%: 2 refused\) > maxNewConnectionFailureRate 1%/);
  });

  it('a failure rate at the limit passes', () => {
    expect(assessNewConnections(tolerate, newConnections({ ok: 99, failed: { timeout: 1 } }), true, T0).breaches).toEqual([]);
  });

  it('more failures than the limit allows over perStep breach at once, before sampling ends', () => {
    const [breach] = assessNewConnections(tolerate, newConnections({ ok: 30, failed: { timeout: 11 } }), false, T0 + 3).breaches;
    expect(breach).toMatchObject({ kind: 'failure-rate', at: T0 + 3 });
    expect(breach!.message).toMatch(/11 failed \(11 timeout\) of 1000 per step: above maxNewConnectionFailureRate 1%/);
  });

  it('an inconsistent split is a breach when sampling ends, not while failures may still be counted', () => {
    const block = newConnections({ ok: 200, canary: 0, split: { decision: 'inconsistent', samples: 90 } });
    expect(assessNewConnections(tolerate, block, false, T0).breaches).toEqual([]);
    const [breach] = assessNewConnections(tolerate, block, true, T0).breaches;
    expect(breach!.kind).toBe('split');
    expect(breach!.message).toMatch(/observed canary share 0% .* over 90 identified connections is inconsistent with the target 20%/);
  });

  it('an undecided split is a note with the samples it would need, not a breach', () => {
    const result = assessNewConnections(tolerate, newConnections({ split: { decision: 'undecided', samples: 1000 } }), true, T0);
    expect(result.breaches).toEqual([]);
    expect(result.notes[0]).toMatch(/split undecided after 1000 identified connections \(perStep 1000, ~\d+ needed on average\)/);
  });

  it('assessStep orders breaches by the time they were seen', () => {
    const obs = { longLived: longLived([ended(1, 'timeout', T0 + 50)]), newConnections: newConnections({ ok: 10, failed: { refused: 20 } }), samplingDone: true };
    expect(assessStep(tolerate, obs, true, T0 + 100).breaches.map((b) => b.kind)).toEqual(['echo-errors', 'failure-rate']);
  });
});
