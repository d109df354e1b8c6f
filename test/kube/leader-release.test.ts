// A leader stopped while a renewal is on its way: the renewal's answer is ignored (the round was
// given up), but the API server applied it, so the leader's copy of the Lease is one
// resourceVersion behind. The release must still clear the holder (read again, write once more),
// so the standby takes over at once instead of a leaseDuration later.
import { describe, expect, it } from 'vitest';
import { ConflictError, LeaderElector, type Lease, type ResourceClient } from '../../src/kube/index.js';
import { ManualClock } from '../../src/util/manual-clock.js';

/** An in-memory Lease API with optimistic concurrency; `holdNextReplace` delays a replace's answer (not its effect). */
class LeaseApi {
  lease: Lease | undefined;
  private version = 0;
  private held: (() => void) | undefined;
  holdNextReplace = false;

  private store(object: Lease): Lease {
    this.version += 1;
    this.lease = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.version) } };
    return this.lease;
  }

  answerHeld(): void {
    this.held?.();
  }

  client(): ResourceClient<Lease> {
    return {
      find: () => Promise.resolve(this.lease),
      create: (object: Lease) => Promise.resolve(this.store(object)),
      replace: async (object: Lease) => {
        if (object.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new ConflictError('the object has been modified', 409, 'Conflict');
        const stored = this.store(object);
        if (!this.holdNextReplace) return stored;
        this.holdNextReplace = false;
        await new Promise<void>((resolve) => (this.held = resolve));
        return stored;
      },
    } as unknown as ResourceClient<Lease>;
  }
}

describe('LeaderElector release', () => {
  it('clears the holder after a stop that gave up a renewal the API server had applied', async () => {
    const clock = new ManualClock();
    const api = new LeaseApi();
    const stop = new AbortController();
    let stopped = false;
    const elector = new LeaderElector({
      leases: api.client(),
      name: 'tcpshift-controller',
      namespace: 'default',
      identity: 'ctl-a',
      clock,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      random: () => 0,
      onStartedLeading: () => undefined,
      onStoppedLeading: () => (stopped = true),
    });
    const running = elector.run(stop.signal);
    await clock.advance(0);
    expect(api.lease?.spec?.holderIdentity).toBe('ctl-a');

    api.holdNextReplace = true;
    await clock.advance(2_000); // the next renewal is written, its answer held
    const renewed = api.lease?.metadata.resourceVersion;
    stop.abort(); // SIGTERM: the round is given up before the answer comes
    await running;
    api.answerHeld();

    expect(stopped).toBe(true);
    expect(api.lease?.metadata.resourceVersion).not.toBe(renewed);
    expect(api.lease?.spec?.holderIdentity ?? '').toBe('');
  });
});
