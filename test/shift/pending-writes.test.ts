// The bookkeeping of writes the API has not answered, pure: when to warn, when to give up, and
// what the shift says was and was not written.
import { describe, expect, it } from 'vitest';
import { PendingWrites, SLOW_WRITE_WARN_MS } from '../../src/shift/pending-writes.js';

const acknowledged = { canaryWeight: 25, stableWeight: 75 };

describe('PendingWrites', () => {
  it('warns about a write within a few seconds, then again every 15 s, not on every check', () => {
    const pending = new PendingWrites(120_000);
    pending.add({ kind: 'weight', canaryWeight: 50, purpose: 'step', sentAt: 0 });
    expect(pending.slow(SLOW_WRITE_WARN_MS - 1)).toEqual([]);
    expect(pending.slow(SLOW_WRITE_WARN_MS)).toHaveLength(1);
    expect(pending.slow(SLOW_WRITE_WARN_MS + 1000)).toEqual([]);
    expect(pending.slow(SLOW_WRITE_WARN_MS + 15_000)).toHaveLength(1);
    expect(SLOW_WRITE_WARN_MS).toBeLessThanOrEqual(5000);
  });

  it('is overdue at the API deadline of the oldest write, or at once after an interrupt cut-off', () => {
    const pending = new PendingWrites(60_000);
    expect(pending.overdue(1e9)).toBe(false);
    const first = pending.add({ kind: 'weight', canaryWeight: 50, purpose: 'step', sentAt: 1000 });
    pending.add({ kind: 'weight', canaryWeight: 0, purpose: 'rollback', sentAt: 5000 });
    expect(pending.dueAt()).toBe(61_000);
    expect(pending.overdue(60_999)).toBe(false);
    expect(pending.overdue(61_000)).toBe(true);
    pending.cutOff(10_000, 10_000);
    expect(pending.dueAt()).toBe(20_000);
    pending.remove(first);
    expect(pending.latestWeight()).toMatchObject({ canaryWeight: 0, purpose: 'rollback' });
    expect(pending.isLatestWeight(first)).toBe(false);
  });

  it('without a deadline, waits forever', () => {
    const pending = new PendingWrites(undefined);
    pending.add({ kind: 'state', sentAt: 0 });
    expect(pending.dueAt()).toBeUndefined();
    expect(pending.overdue(1e12)).toBe(false);
  });

  it('knows a weight it has out (the watch may show it committed before the answer)', () => {
    const pending = new PendingWrites(undefined);
    pending.add({ kind: 'weight', canaryWeight: 50, purpose: 'step', sentAt: 0 });
    expect(pending.carries(50, 50)).toBe(true);
    expect(pending.carries(0, 100)).toBe(false);
  });

  it('says what was not acknowledged and what the route may carry', () => {
    const pending = new PendingWrites(120_000);
    pending.add({ kind: 'weight', canaryWeight: 50, purpose: 'step', sentAt: 0 });
    pending.add({ kind: 'weight', canaryWeight: 0, purpose: 'rollback', sentAt: 30_000 });
    const text = pending.unanswered(120_000, acknowledged);
    expect(text).toMatch(/did not answer within the API deadline \(2m\)/);
    expect(text).toMatch(/NOT acknowledged: route write \(canary 50\) sent 2m ago; rollback \(canary 0\) sent 1m30s ago/);
    expect(text).toMatch(/the route carries stable 75 \/ canary 25 \(the last acknowledged write\) or canary 50 or canary 0/);
    pending.cutOff(40_000, 10_000);
    expect(pending.unanswered(50_000, acknowledged)).toMatch(/did not answer before the process had to stop/);
  });
});
