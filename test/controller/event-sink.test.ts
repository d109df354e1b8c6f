import { describe, expect, it } from 'vitest';
import { ShardedEvents } from '../../src/controller/index.js';
import type { CoreEvent, ResourceClient } from '../../src/kube/index.js';
import { ManualClock } from '../../src/util/manual-clock.js';

/** An events client whose writes wait until released, recording what was created. */
function heldEventsClient(): { client: ResourceClient<CoreEvent>; created: CoreEvent[]; release(): void } {
  const created: CoreEvent[] = [];
  let open: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (open = resolve));
  const client = {
    create: async (event: CoreEvent) => {
      await gate;
      created.push(event);
      return event;
    },
  } as unknown as ResourceClient<CoreEvent>;
  return {
    client,
    created,
    release: () => {
      open();
      gate = Promise.resolve();
    },
  };
}

const shift = (name: string) => ({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', metadata: { name, namespace: 'echo', uid: name } });

describe('ShardedEvents', () => {
  it("keeps one object's Events in order and writes different objects' Events side by side", async () => {
    const held = heldEventsClient();
    const sink = new ShardedEvents({ events: held.client, clock: new ManualClock(), component: 'test', shards: 4 });
    for (const step of [1, 2, 3]) for (const name of ['a', 'b', 'c', 'd', 'e']) sink.event(shift(name), 'Normal', 'StepStarted', `step ${step}`);
    expect(sink.waiting()).toBe(15);
    held.release();
    await sink.flush();
    expect(sink.waiting()).toBe(0);
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      expect(held.created.filter((e) => e.involvedObject.name === name).map((e) => e.message)).toEqual(['step 1', 'step 2', 'step 3']);
    }
  });

  it('drops Events (and says so) rather than queueing without bound while the API does not answer', async () => {
    const held = heldEventsClient();
    const dropped: string[] = [];
    const sink = new ShardedEvents({ events: held.client, clock: new ManualClock(), component: 'test', shards: 1, maxPending: 2, onDrop: (reason) => dropped.push(reason) });
    sink.event(shift('a'), 'Normal', 'StepStarted', 'one');
    sink.event(shift('a'), 'Normal', 'StepPassed', 'two');
    sink.event(shift('a'), 'Warning', 'Breach', 'three');
    expect(dropped).toEqual(['Breach']);
    held.release();
    await sink.flush();
    expect(held.created.map((e) => e.message)).toEqual(['one', 'two']);
    sink.event(shift('a'), 'Warning', 'Breach', 'four');
    await sink.flush();
    expect(held.created.map((e) => e.message)).toEqual(['one', 'two', 'four']);
  });
});
