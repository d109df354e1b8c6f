// A leader whose API stops answering (requests hang, no error) must step down when its renew
// round exceeds renewDeadline, as client-go's renew loop does by cancelling the round's context;
// not when the hanging call finally times out. A late answer must not make it leader again.
import { describe, expect, it } from 'vitest';
import { LeaderElector, type Lease, type ResourceClient } from '../../src/kube/index.js';
import { ManualClock } from '../../src/util/manual-clock.js';

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** An in-memory Lease API that can be switched to "black hole": every call hangs until healed. */
class LeaseApi {
  lease: Lease | undefined;
  private cut = false;
  private parked: (() => void)[] = [];
  calls = 0;

  setCut(cut: boolean): void {
    this.cut = cut;
    if (!cut) for (const release of this.parked.splice(0)) release();
  }

  private async answer<T>(fn: () => T): Promise<T> {
    this.calls++;
    if (this.cut) await new Promise<void>((resolve) => this.parked.push(resolve));
    return fn();
  }

  client(): ResourceClient<Lease> {
    return {
      find: () => this.answer(() => this.lease),
      create: (object: Lease) => this.answer(() => (this.lease = { ...object, metadata: { ...object.metadata, resourceVersion: '1' } })),
      replace: (object: Lease) => this.answer(() => (this.lease = object)),
    } as unknown as ResourceClient<Lease>;
  }
}

function elector(api: LeaseApi, clock: ManualClock, marks: { started?: number; stopped?: number }): LeaderElector {
  return new LeaderElector({
    leases: api.client(),
    name: 'tcpshift-controller',
    namespace: 'default',
    identity: 'ctl-a',
    clock,
    ...timing,
    random: () => 0,
    onStartedLeading: () => (marks.started = clock.monotonic()),
    onStoppedLeading: () => (marks.stopped = clock.monotonic()),
  });
}

describe('LeaderElector renew deadline', () => {
  it('steps down when renew calls hang: retryPeriod + renewDeadline after the last renewal, before another candidate could take over', async () => {
    const clock = new ManualClock();
    const api = new LeaseApi();
    const marks: { started?: number; stopped?: number } = {};
    const stop = new AbortController();
    const e = elector(api, clock, marks);
    const running = e.run(stop.signal);
    await clock.advance(0);
    expect(marks.started).toBeDefined();
    await clock.advance(4_000); // two renewals
    const lastRenewal = clock.monotonic();
    api.setCut(true);

    await clock.advance(timing.retryPeriodMs + timing.renewDeadlineMs - 1);
    expect(marks.stopped).toBeUndefined();
    await clock.advance(1);
    expect(marks.stopped).toBe(lastRenewal + timing.retryPeriodMs + timing.renewDeadlineMs);
    await running;
    // A standby that saw the last renewal at once may take over leaseDuration later, not sooner.
    expect((marks.stopped as number) - lastRenewal).toBeLessThan(timing.leaseDurationMs);

    const renewTimeBefore = api.lease?.spec?.renewTime;
    api.setCut(false); // the hanging calls now answer, late: nothing they return is recorded
    await clock.advance(0);
    expect(api.lease?.spec?.renewTime).toBe(renewTimeBefore);
    stop.abort();
  });

  it('keeps leading through API errors shorter than the deadline', async () => {
    const clock = new ManualClock();
    const api = new LeaseApi();
    const marks: { started?: number; stopped?: number } = {};
    const stop = new AbortController();
    const running = elector(api, clock, marks).run(stop.signal);
    await clock.advance(2_000);
    api.setCut(true);
    await clock.advance(timing.renewDeadlineMs - 1);
    api.setCut(false);
    await clock.advance(timing.retryPeriodMs * 3);
    expect(marks.stopped).toBeUndefined();
    stop.abort();
    await running;
    expect(marks.stopped).toBeDefined();
  });
});
