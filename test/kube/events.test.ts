import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventCorrelator } from '../../src/kube/event-correlator.js';
import { EventRecorder, KubeClient, type CoreEvent, type KubeObject } from '../../src/kube/index.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver-fixtures.js';

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'echo-v1-abc', namespace: 'echo', uid: 'u-1', resourceVersion: '7' } };
const input = (message: string, type: 'Normal' | 'Warning' = 'Normal') => ({ involvedObject: { kind: 'Pod', name: 'echo-v1-abc', namespace: 'echo', uid: 'u-1' }, type, reason: 'Probed', message });

describe('EventCorrelator', () => {
  it('creates, then counts repeats within the window, then creates anew after it', () => {
    const c = new EventCorrelator({ component: 'tcpshift', host: 'pod-a', windowMs: 60_000 });
    const t0 = Date.UTC(2026, 10, 21, 10, 54, 0);
    const first = c.observe(input('split ok'), t0);
    expect(first).toMatchObject({ kind: 'create', event: { metadata: { namespace: 'echo' }, count: 1, firstTimestamp: '2026-11-21T10:54:00Z', source: { component: 'tcpshift', host: 'pod-a' } } });
    const name = first.kind === 'create' ? first.event.metadata.name : '';
    expect(name).toMatch(/^echo-v1-abc\.[0-9a-f]+$/);
    expect(c.observe(input('split ok'), t0 + 30_000)).toEqual({ kind: 'update', name, namespace: 'echo', count: 2, lastTimestamp: '2026-11-21T10:54:30Z' });
    expect(c.observe(input('split ok'), t0 + 89_000)).toMatchObject({ kind: 'update', count: 3 });
    expect(c.observe(input('split ok'), t0 + 150_000)).toMatchObject({ kind: 'create' });
  });

  it('keeps different messages, types and objects apart, and forgets what the server lost', () => {
    const c = new EventCorrelator({ component: 'tcpshift' });
    const a = c.observe(input('one'), 0);
    expect(c.observe(input('two'), 1)).toMatchObject({ kind: 'create' });
    expect(c.observe(input('one', 'Warning'), 2)).toMatchObject({ kind: 'create' });
    expect(c.observe({ ...input('one'), involvedObject: { kind: 'Pod', name: 'other', namespace: 'echo' } }, 3)).toMatchObject({ kind: 'create' });
    if (a.kind === 'create') c.forget(a.event.metadata.name ?? '', 'echo');
    expect(c.observe(input('one'), 4)).toMatchObject({ kind: 'create' });
  });
});

describe('EventRecorder against the emulator', () => {
  let env: TestApiServer;
  let client: KubeClient;
  beforeAll(async () => {
    env = await startTestApiServer();
    env.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } });
    client = KubeClient.connect({ kubeconfig: env.kubeconfigPath }, { retry: { maxAttempts: 1 } });
  });
  afterAll(async () => {
    client.close();
    await env.close();
  });

  const eventsAbout = async (name: string): Promise<CoreEvent[]> => (await client.events.list({ namespace: 'echo', fieldSelector: `involvedObject.name=${name}` })).items;

  it('aggregates repeats into one Event (count, lastTimestamp) and starts a new one after the window', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 10, 54, 0));
    const recorder = new EventRecorder({ events: client.events, clock, component: 'tcpshift-controller', host: 'pod-a', windowMs: 60_000 });
    recorder.event(pod, 'Warning', 'Breach', 'canary answered with resets');
    await clock.advance(10_000);
    recorder.event(pod, 'Warning', 'Breach', 'canary answered with resets');
    await clock.advance(10_000);
    recorder.event(pod, 'Warning', 'Breach', 'canary answered with resets');
    await recorder.flush();
    const [one, ...none] = await eventsAbout('echo-v1-abc');
    expect(none).toEqual([]);
    expect(one).toMatchObject({ count: 3, firstTimestamp: '2026-11-21T10:54:00Z', lastTimestamp: '2026-11-21T10:54:20Z', type: 'Warning', reason: 'Breach', involvedObject: { uid: 'u-1', resourceVersion: '7' }, reportingComponent: 'tcpshift-controller' });

    await clock.advance(120_000);
    recorder.event(pod, 'Warning', 'Breach', 'canary answered with resets');
    await recorder.flush();
    expect((await eventsAbout('echo-v1-abc')).map((e) => e.count)).toEqual([3, 1]);
  });

  it('creates the Event again when the server lost it, and never throws on API failures', async () => {
    const clock = new ManualClock();
    const target: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lost', namespace: 'echo' } };
    const recorder = new EventRecorder({ events: client.events, clock, component: 'c' });
    recorder.event(target, 'Normal', 'Shifted', 'weight 10');
    await recorder.flush();
    const [first] = await eventsAbout('lost');
    await client.events.delete(first?.metadata.name ?? '', 'echo');
    recorder.event(target, 'Normal', 'Shifted', 'weight 10');
    await recorder.flush();
    expect((await eventsAbout('lost')).map((e) => e.count)).toEqual([1]);

    env.server.faults.setErrorRate(1, 500, { resources: ['events'] });
    try {
      recorder.event(target, 'Normal', 'Shifted', 'weight 25');
      await recorder.flush();
      expect(recorder.failures).toBe(1);
    } finally {
      env.server.faults.reset();
    }
  });
});
