import { describe, expect, it } from 'vitest';
import { formatMicroTime } from '../../src/kube/micro-time.js';
import { freshRecord, isLeaseValid, leaseSpecFromRecord, nextRecord, observe, recordFromLease, releasedRecord, type LeaderElectionRecord } from '../../src/kube/lease-record.js';

const held = (holder: string, transitions = 0): LeaderElectionRecord => ({ holderIdentity: holder, leaseDurationSeconds: 15, acquireTimeMs: 1_000, renewTimeMs: 5_000, leaderTransitions: transitions });
const now = (monotonicMs: number, epochMs = 1_000_000) => ({ monotonicMs, epochMs });

describe('leader election record (client-go tryAcquireOrRenew)', () => {
  it('respects another holder until leaseDuration after this candidate last saw the record change', () => {
    const seen = observe(undefined, held('other'), 100);
    expect(nextRecord(seen, 'me', 15, now(100 + 14_999))).toBeUndefined();
    expect(nextRecord(seen, 'me', 15, now(100 + 15_000))).toMatchObject({ holderIdentity: 'me', leaderTransitions: 1, acquireTimeMs: 1_000_000, renewTimeMs: 1_000_000 });
  });

  it('restarts the clock when the holder renews (the record changed), not when it stays the same', () => {
    const first = observe(undefined, held('other'), 0);
    expect(observe(first, held('other'), 10_000)).toBe(first);
    const renewed = observe(first, { ...held('other'), renewTimeMs: 9_000 }, 10_000);
    expect(renewed.observedAtMs).toBe(10_000);
    expect(isLeaseValid(renewed, 20_000)).toBe(true);
    expect(isLeaseValid(first, 20_000)).toBe(false);
  });

  it('renews its own lease keeping acquireTime and transitions', () => {
    const mine = observe(undefined, held('me', 3), 0);
    expect(nextRecord(mine, 'me', 15, now(1, 2_000_000))).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTimeMs: 1_000, renewTimeMs: 2_000_000, leaderTransitions: 3 });
  });

  it('takes a released lease (no holder) at once, counting a transition', () => {
    const released = observe(undefined, releasedRecord(held('old', 4), 500), 0);
    expect(released.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaderTransitions: 4 });
    expect(nextRecord(released, 'me', 15, now(1))).toMatchObject({ holderIdentity: 'me', leaderTransitions: 5 });
  });

  it('round-trips through Lease.spec with MicroTime (six fractional digits)', () => {
    const r = freshRecord('me', 15, Date.UTC(2026, 10, 21, 10, 54, 0, 123));
    const spec = leaseSpecFromRecord(r);
    expect(spec).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2026-11-21T10:54:00.123000Z', renewTime: '2026-11-21T10:54:00.123000Z', leaseTransitions: 0 });
    expect(recordFromLease(spec)).toEqual(r);
    expect(recordFromLease(undefined)).toEqual({ holderIdentity: '', leaseDurationSeconds: 0, acquireTimeMs: undefined, renewTimeMs: undefined, leaderTransitions: 0 });
    expect(formatMicroTime(0)).toBe('1970-01-01T00:00:00.000000Z');
  });
});
