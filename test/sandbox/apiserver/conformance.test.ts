// The emulator's conformance suite, run twice: through src/kube (@kubernetes/client-node) and
// through the real kubectl binary, against one emulator over real HTTPS. Each scenario asserts
// what a client of a real API server would see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder, KubeClient } from '../../../src/kube/index.js';
import { systemClock } from '../../../src/util/clock.js';
import { CONFLICT_MODIFIED } from '../../../src/sandbox/apiserver/api-error.js';
import { startTestApiServer, virtualService, type TestApiServer } from '../../support/apiserver-fixtures.js';
import { ClientNodeDriver, KubectlDriver, kindOf, type ConformanceDriver, type Obj, type Outcome } from '../../support/apiserver-conformance-drivers.js';
import { kubectlBinary } from '../../support/kube-kubectl.js';

const VS = kindOf('networking.istio.io', 'v1', 'virtualservices', 'VirtualService');
const TCPROUTE = kindOf('gateway.networking.k8s.io', 'v1', 'tcproutes', 'TCPRoute');
const WIDGET = kindOf('example.tcpshift.dev', 'v1', 'widgets', 'Widget');

let env: TestApiServer;
let client: KubeClient;
const drivers: Array<{ name: string; make: () => ConformanceDriver }> = [{ name: 'client-node', make: () => new ClientNodeDriver(client) }];
if (kubectlBinary) drivers.push({ name: 'kubectl', make: () => new KubectlDriver(env) });
else console.log('conformance: the kubectl half is skipped: kubectl is not installed on this machine');

beforeAll(async () => {
  env = await startTestApiServer({ historyLimit: 40 });
  client = KubeClient.connect({ kubeconfig: env.kubeconfigPath }, { retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  for (const d of ['client-node', 'kubectl']) env.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `conf-${d}` } });
});

afterAll(async () => {
  client.close();
  await env.close();
});

function value<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`expected success, got ${o.status ?? '?'}: ${o.message}`);
  return o.value;
}

function failure(o: Outcome<unknown>): { status: number | undefined; message: string } {
  if (o.ok) throw new Error('expected a failure, the request succeeded');
  return o;
}

function widget(name: string, ns: string, spec: Record<string, unknown> = { color: 'red' }): Obj {
  return { apiVersion: 'example.tcpshift.dev/v1', kind: 'Widget', metadata: { name, namespace: ns }, spec };
}

describe.each(drivers)('conformance through $name', ({ name, make }) => {
  const ns = `conf-${name}`;
  let d: ConformanceDriver;
  beforeAll(() => {
    d = make();
  });

  it('creates, reads, lists with selectors, replaces and deletes a VirtualService', async () => {
    const created = value(await d.create(VS, virtualService('crud', [90, 10], ns) as Obj));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.generation).toBe(1);
    value(await d.create(VS, { ...(virtualService('other', [100, 0], ns) as Obj), metadata: { name: 'other', namespace: ns, labels: { app: 'other' } } }));

    const got = value(await d.get(VS, 'crud', ns));
    expect(got.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(value(await d.list(VS, ns, { labelSelector: 'app=echo' })).items.map((o) => o.metadata.name)).toEqual(['crud']);
    expect(value(await d.list(VS, ns, { labelSelector: 'app in (echo,other)' })).items).toHaveLength(2);
    expect(value(await d.list(VS, ns, { fieldSelector: 'metadata.name=other' })).items.map((o) => o.metadata.name)).toEqual(['other']);

    const replaced = value(await d.replace(VS, { ...got, spec: { ...(got.spec as object), hosts: ['echo.example.com'] } }));
    expect(Number(replaced.metadata.resourceVersion)).toBeGreaterThan(Number(got.metadata.resourceVersion));
    expect(replaced.metadata.generation).toBe(2);

    value(await d.delete(VS, 'crud', ns));
    expect(failure(await d.get(VS, 'crud', ns)).status).toBe(404);
    expect(failure(await d.get(VS, 'crud', ns)).message).toContain('virtualservices.networking.istio.io "crud" not found');
  });

  it('rejects a write with a stale resourceVersion with 409 and the real message', async () => {
    const v1 = value(await d.create(VS, virtualService('stale', [100, 0], ns) as Obj));
    value(await d.patch(VS, 'stale', ns, 'merge', { metadata: { labels: { touched: 'yes' } } }));
    const conflict = failure(await d.replace(VS, { ...v1, spec: { ...(v1.spec as object), hosts: ['lost.update'] } }));
    expect(conflict.status).toBe(409);
    expect(conflict.message).toContain(`Operation cannot be fulfilled on virtualservices.networking.istio.io "stale": ${CONFLICT_MODIFIED}`);
    expect(value(await d.get(VS, 'stale', ns)).spec).not.toHaveProperty('hosts', ['lost.update']);
  });

  it('rejects a JSON Patch whose test operation fails with 422 and changes nothing', async () => {
    const before = value(await d.create(VS, virtualService('guarded', [80, 20], ns) as Obj));
    const ops = [
      { op: 'test', path: '/spec/tcp/0/route/0/weight', value: 50 },
      { op: 'replace', path: '/spec/tcp/0/route/0/weight', value: 0 },
    ];
    const rejected = failure(await d.patch(VS, 'guarded', ns, 'json', ops));
    expect(rejected.status).toBe(422);
    expect(rejected.message).toContain('the server rejected our request due to an error in our request');
    expect(value(await d.get(VS, 'guarded', ns)).metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    const ok = value(await d.patch(VS, 'guarded', ns, 'json', [{ ...ops[0], value: 80 }, ops[1]]));
    expect((ok.spec as { tcp: Array<{ route: Array<{ weight: number }> }> }).tcp[0]?.route.map((r) => r.weight)).toEqual([0, 20]);
  });

  it('moves metadata.generation on spec changes only', async () => {
    value(await d.create(WIDGET, widget('gen', ns)));
    const labelled = value(await d.patch(WIDGET, 'gen', ns, 'merge', { metadata: { labels: { a: 'b' } } }));
    expect(labelled.metadata.generation).toBe(1);
    const resized = value(await d.patch(WIDGET, 'gen', ns, 'merge', { spec: { size: 5 } }));
    expect(resized.metadata.generation).toBe(2);
    const status = value(await d.patch(WIDGET, 'gen', ns, 'merge', { status: { phase: 'Ready' } }, true));
    expect(status.metadata.generation).toBe(2);
    expect(status.status).toEqual({ phase: 'Ready' });
  });

  it('rejects objects that break the CRD schema with 422 naming the field', async () => {
    const bad = virtualService('badweight', [100, 0], ns) as Obj & { spec: { tcp: Array<{ route: Array<{ weight: unknown }> }> } };
    const route = bad.spec.tcp[0]?.route[1];
    if (route) route.weight = 'ten';
    const vs = failure(await d.create(VS, bad));
    expect(vs.status).toBe(422);
    expect(vs.message).toContain('spec.tcp[0].route[1].weight: Invalid value: "string": spec.tcp[0].route[1].weight in body must be of type integer: "string"');

    const tcpRoute = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TCPRoute',
      metadata: { name: 'negative', namespace: ns },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'echo-v1', port: 9000, weight: -1 }] }] },
    };
    const tr = failure(await d.create(TCPROUTE, tcpRoute));
    expect(tr.status).toBe(422);
    expect(tr.message).toContain('spec.rules[0].backendRefs[0].weight: Invalid value: -1: spec.rules[0].backendRefs[0].weight in body should be greater than or equal to 0');

    const w = failure(await d.create(WIDGET, widget('badwidget', ns, { color: 'purple', size: 11 })));
    expect(w.status).toBe(422);
    expect(w.message).toContain('spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"');
    expect(w.message).toContain('spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10');
    expect(failure(await d.create(WIDGET, widget('nocolor', ns, {}))).message).toContain('spec.color: Required value');
  });

  it('keeps an object with finalizers, marked for deletion, until they are removed', async () => {
    value(await d.create(WIDGET, { ...widget('held', ns), metadata: { name: 'held', namespace: ns, finalizers: ['example.tcpshift.dev/hold'] } }));
    value(await d.delete(WIDGET, 'held', ns));
    const deleting = value(await d.get(WIDGET, 'held', ns));
    expect(deleting.metadata.deletionTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(deleting.metadata.generation).toBe(2);
    const added = failure(await d.patch(WIDGET, 'held', ns, 'merge', { metadata: { finalizers: ['example.tcpshift.dev/hold', 'another/one'] } }));
    expect(added.status).toBe(422);
    value(await d.patch(WIDGET, 'held', ns, 'json', [{ op: 'remove', path: '/metadata/finalizers' }]));
    expect(failure(await d.get(WIDGET, 'held', ns)).status).toBe(404);
  });

  it('keeps the status subresource and the main resource apart', async () => {
    const created = value(await d.create(WIDGET, { ...widget('split', ns), status: { phase: 'Ignored' } }));
    expect(created.status).toBeUndefined();
    expect(created.spec).toEqual({ color: 'red', size: 3 });
    const withStatus = value(await d.replace(WIDGET, { ...created, spec: { color: 'blue' }, status: { phase: 'Ready', observedGeneration: 1 } }, true));
    expect(withStatus.status).toEqual({ phase: 'Ready', observedGeneration: 1 });
    expect(withStatus.spec).toEqual({ color: 'red', size: 3 });
    const mainWrite = value(await d.replace(WIDGET, { ...withStatus, spec: { color: 'green' }, status: { phase: 'Overwritten' } }));
    expect(mainWrite.spec).toEqual({ color: 'green', size: 3 });
    expect(mainWrite.status).toEqual({ phase: 'Ready', observedGeneration: 1 });
  });

  it('replays a watch from a resourceVersion and answers 410 Gone for one older than the history', async () => {
    const first = value(await d.create(WIDGET, widget('watched', ns)));
    value(await d.patch(WIDGET, 'watched', ns, 'merge', { spec: { size: 4 } }));
    value(await d.delete(WIDGET, 'watched', ns));
    const replay = await d.watchFrom(WIDGET, ns, first.metadata.resourceVersion as string, 1);
    expect(replay.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`)).toEqual(['MODIFIED watched', 'DELETED watched']);
    expect((replay[0]?.object.spec as { size: number }).size).toBe(4);

    for (let i = 0; i < 45; i++) env.server.objects.patch({ apiVersion: 'example.tcpshift.dev/v1', kind: 'Widget', name: 'gen', namespace: ns }, 'merge', { metadata: { labels: { n: String(i) } } });
    const gone = await d.watchFrom(WIDGET, ns, first.metadata.resourceVersion as string, 1);
    expect(gone.map((e) => e.type)).toEqual(['ERROR']);
    expect((gone[0]?.object as { code?: number }).code).toBe(410);
  });

  it('retries through injected 503s (with Retry-After) and succeeds', async () => {
    env.server.faults.failNext(2, 503, { verbs: ['get'], resources: ['widgets'] });
    const before = env.server.faults.injected;
    expect(value(await d.get(WIDGET, 'gen', ns)).metadata.name).toBe('gen');
    expect(env.server.faults.injected - before).toBe(2);
  });

  it('shows a Lease and aggregated Events as written by src/kube', async () => {
    await client.leases.create({ metadata: { name: `lease-${name}`, namespace: ns }, spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15, leaseTransitions: 0, renewTime: '2026-11-21T10:54:00.123456Z' } });
    const lease = value(await d.get(kindOf('coordination.k8s.io', 'v1', 'leases', 'Lease'), `lease-${name}`, ns));
    expect(lease.spec).toMatchObject({ holderIdentity: 'pod-a', renewTime: '2026-11-21T10:54:00.123456Z' });
    const about = value(await d.get(WIDGET, 'gen', ns));
    const recorder = new EventRecorder({ events: client.events, clock: systemClock, component: 'conformance' });
    for (let i = 0; i < 3; i++) recorder.event(about, 'Warning', 'Tested', 'the same thing happened again');
    recorder.event(about, 'Normal', 'Tested', 'something else');
    await recorder.flush();
    const events = value(await d.list(kindOf('', 'v1', 'events', 'Event'), ns, { fieldSelector: 'involvedObject.name=gen,reason=Tested' }));
    const byMessage = Object.fromEntries(events.items.map((e) => [e.message as string, e]));
    expect(Object.keys(byMessage).sort()).toEqual(['something else', 'the same thing happened again']);
    expect(byMessage['the same thing happened again']).toMatchObject({ count: 3, type: 'Warning', involvedObject: { kind: 'Widget', uid: about.metadata.uid } });
    expect(byMessage['something else']).toMatchObject({ count: 1, type: 'Normal' });
  });
});
