// The informer against the emulator: sync, events, resume after a dropped watch without relisting
// or missing anything, relist after 410 Gone with the differences reported.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Informer, KubeClient, type VirtualService } from '../../src/kube/index.js';
import { systemClock } from '../../src/util/clock.js';
import { startTestApiServer, virtualService, type TestApiServer } from '../support/apiserver-fixtures.js';

let env: TestApiServer;
let client: KubeClient;
let informer: Informer<VirtualService> | undefined;
const log: string[] = [];

const vsRef = (name: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name, namespace: 'default' });

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}; log: ${log.join(' | ')}`);
    await sleep(20);
  }
}

function start(): Informer<VirtualService> {
  informer = new Informer(client.virtualServices, { clock: systemClock, namespace: 'default', backoff: { baseDelayMs: 30, maxDelayMs: 100 } }).on({
    onAdd: (o) => log.push(`add ${o.metadata.name ?? ''}`),
    onUpdate: (_, o) => log.push(`update ${o.metadata.name ?? ''} ${o.metadata.annotations?.n ?? ''}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name ?? ''}`),
  });
  return informer;
}

beforeEach(async () => {
  log.length = 0;
  env = await startTestApiServer({ historyLimit: 8 });
  client = KubeClient.connect({ kubeconfig: env.kubeconfigPath });
  env.server.objects.create(virtualService('before') as never);
});

afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  client.close();
  await env.close();
});

describe('Informer', () => {
  it('lists, then reports adds, updates and deletes from the watch', async () => {
    const inf = start();
    await inf.start();
    expect(inf.hasSynced).toBe(true);
    expect(inf.list().map((o) => o.metadata.name)).toEqual(['before']);
    env.server.objects.create(virtualService('after') as never);
    env.server.objects.patch(vsRef('after'), 'merge', { metadata: { annotations: { n: '1' } } });
    env.server.objects.delete(vsRef('before'));
    await eventually(() => log.length === 4, 'four events');
    expect(log).toEqual(['add before', 'add after', 'update after 1', 'delete before']);
    expect(inf.get('after', 'default')?.metadata.annotations?.n).toBe('1');
    expect(inf.get('before', 'default')).toBeUndefined();
  });

  it('resumes a cut watch from the last resourceVersion: nothing missed, no relist', async () => {
    const inf = start();
    await inf.start();
    await eventually(() => env.server.watchCount() === 1, 'the watch');
    expect(env.server.faults.cutWatches()).toBe(1);
    for (let i = 1; i <= 3; i++) env.server.objects.patch(vsRef('before'), 'merge', { metadata: { annotations: { n: String(i) } } });
    await eventually(() => log.length === 4, 'the three updates after the cut');
    expect(log).toEqual(['add before', 'update before 1', 'update before 2', 'update before 3']);
    expect(inf.stats.lists).toBe(1);
    expect(inf.stats.watches).toBeGreaterThanOrEqual(2);
  });

  it('relists after 410 Gone and reports what changed meanwhile', async () => {
    env.server.objects.create(virtualService('doomed') as never);
    const inf = start();
    await inf.start();
    await eventually(() => env.server.watchCount() === 1, 'the watch');
    const watching = inf.stats.watches;
    env.server.faults.failNext(1, 503, { verbs: ['watch'] });
    expect(env.server.faults.cutWatches()).toBe(1);
    env.server.objects.delete(vsRef('doomed'));
    env.server.objects.create(virtualService('newcomer') as never);
    for (let i = 1; i <= 10; i++) env.server.objects.patch(vsRef('before'), 'merge', { metadata: { annotations: { n: String(i) } } });
    await eventually(() => inf.stats.expired === 1 && log.includes('update before 10'), 'the relist after 410');
    expect(inf.stats.lists).toBe(2);
    expect(inf.stats.watches).toBeGreaterThan(watching);
    expect(log.slice(2).sort()).toEqual(['add newcomer', 'delete doomed', 'update before 10']);
    expect(inf.list().map((o) => o.metadata.name).sort()).toEqual(['before', 'newcomer']);
  });

  it('keeps the resourceVersion moving with bookmarks while nothing changes', async () => {
    await env.close();
    env = await startTestApiServer({ bookmarkIntervalMs: 100 });
    client.close();
    client = KubeClient.connect({ kubeconfig: env.kubeconfigPath });
    const inf = start();
    await inf.start();
    const listed = Number(inf.resourceVersion);
    env.server.objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'default' } });
    await eventually(() => Number(inf.resourceVersion) > listed, 'a bookmark with a newer resourceVersion');
    expect(log).toEqual([]);
  });
});
