// src/kube's typed client against the emulator over real HTTPS: every kind tcpshift uses, the
// error mapping, retries and timeouts through injected faults, the conflict loop, paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  ConflictError,
  GoneError,
  InvalidError,
  KubeClient,
  NotFoundError,
  type KubeClientOptions,
  type KubeConfigSource,
  type KubeError,
  RetryableError,
  tcpShiftKind,
  updateWithConflictRetry,
  type TCPRoute,
  type VirtualService,
} from '../../src/kube/index.js';
import type { Clock } from '../../src/util/clock.js';
import { startTestApiServer, virtualService, type TestApiServer } from '../support/apiserver-fixtures.js';

let env: TestApiServer;
let client: KubeClient;

/** A clock whose sleeps return at once but are recorded: retries become instant and observable. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now(),
    monotonic: () => performance.now(),
    setTimer: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(t) };
    },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
}

beforeAll(async () => {
  env = await startTestApiServer({ historyLimit: 30 });
  client = KubeClient.connect({ kubeconfig: env.kubeconfigPath });
  env.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } });
});

afterAll(async () => {
  client.close();
  await env.close();
});

describe('typed kinds', () => {
  it('reads the namespace of the kubeconfig context and writes every kind tcpshift uses', async () => {
    expect(client.defaultNamespace).toBe('default');
    const vs = await client.virtualServices.create(virtualService('echo', [100, 0], 'echo') as VirtualService);
    expect(vs.spec.tcp?.[0]?.route?.map((r) => r.destination.subset)).toEqual(['v1', 'v2']);
    await client.destinationRules.create({ metadata: { name: 'echo', namespace: 'echo' }, spec: { host: 'echo', subsets: [{ name: 'v1', labels: { version: 'v1' } }] } });
    await client.gateways.create({ metadata: { name: 'gw', namespace: 'echo' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }] } });
    const pod = await client.pods.create({ metadata: { name: 'echo-v1-abc', namespace: 'echo', labels: { app: 'echo', version: 'v1' } }, spec: { containers: [{ name: 'echo', image: 'tcpshift-echo' }] } });
    expect(pod.status?.phase).toBe('Pending');
    const running = await client.pods.patch('echo-v1-abc', 'echo', { type: 'merge', body: { status: { phase: 'Running', podIP: '10.0.0.5' } } }, { status: true });
    expect(running.status).toMatchObject({ phase: 'Running', podIP: '10.0.0.5' });
    const svc = await client.services.create({ metadata: { name: 'echo', namespace: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 9000 }] } });
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec?.ports).toEqual([{ port: 9000, protocol: 'TCP', targetPort: 9000 }]);
    const byLabel = await client.pods.list({ namespace: 'echo', labelSelector: 'app=echo,version=v1', fieldSelector: 'status.phase=Running' });
    expect(byLabel.items.map((p) => p.metadata.name)).toEqual(['echo-v1-abc']);
    expect((await client.namespaces.get('echo')).status?.phase).toBe('Active');
  });

  it('serves TCPRoute at v1 and at v1alpha2 (released Gateway API), as configured', async () => {
    const route: TCPRoute = { metadata: { name: 'echo', namespace: 'echo' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'echo-v1', port: 9000 }] }] } };
    const v1 = await client.tcpRoutes.create(route);
    expect(v1.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(v1.spec.rules?.[0]?.backendRefs?.[0]).toMatchObject({ weight: 1, kind: 'Service', group: '' });
    const legacy = KubeClient.connect({ kubeconfig: env.kubeconfigPath }, { tcpRouteVersion: 'v1alpha2' });
    try {
      const alpha = await legacy.tcpRoutes.get('echo', 'echo');
      expect(alpha.apiVersion).toBe('gateway.networking.k8s.io/v1alpha2');
      expect(alpha.metadata.uid).toBe(v1.metadata.uid);
    } finally {
      legacy.close();
    }
  });

  it('writes a TCPShift status through the status subresource only', async () => {
    const shifts = client.resource(tcpShiftKind<{ provider: string }, { phase: string }>());
    const s = await shifts.create({ metadata: { name: 'echo', namespace: 'echo' }, spec: { provider: 'istio' }, status: { phase: 'ignored' } });
    expect(s.status).toBeUndefined();
    const withStatus = await shifts.replaceStatus({ ...s, status: { phase: 'Progressing' } });
    expect(withStatus.status).toEqual({ phase: 'Progressing' });
    expect(withStatus.metadata.generation).toBe(1);
  });

  it('keeps Lease MicroTimes and Event fields as sent', async () => {
    const lease = await client.leases.create({ metadata: { name: 'l', namespace: 'echo' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2026-11-21T10:54:00.000001Z', renewTime: '2026-11-21T10:54:01.500000Z', leaseTransitions: 2 } });
    expect(lease.spec).toMatchObject({ acquireTime: '2026-11-21T10:54:00.000001Z', renewTime: '2026-11-21T10:54:01.500000Z', leaseTransitions: 2 });
    const ev = await client.events.create({ metadata: { name: 'e1', namespace: 'echo' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'echo' }, reason: 'R', message: 'm', type: 'Normal', count: 1 });
    expect(ev.involvedObject).toEqual({ kind: 'Pod', name: 'p', namespace: 'echo' });
  });
});

describe('errors', () => {
  it('maps 404, 409 (conflict and already exists) and 422 with field causes', async () => {
    await expect(client.virtualServices.get('missing', 'echo')).rejects.toBeInstanceOf(NotFoundError);
    expect(await client.virtualServices.find('missing', 'echo')).toBeUndefined();
    await expect(client.virtualServices.create(virtualService('echo', [100, 0], 'echo') as VirtualService)).rejects.toBeInstanceOf(AlreadyExistsError);
    const current = await client.virtualServices.get('echo', 'echo');
    await client.virtualServices.patch('echo', 'echo', { type: 'merge', body: { metadata: { annotations: { bump: '1' } } } });
    const conflict = await client.virtualServices.replace(current).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).status).toBe(409);

    const invalid = await client.virtualServices
      .patch('echo', 'echo', { type: 'json', ops: [{ op: 'replace', path: '/spec/tcp/0/route/0/weight', value: 'all' }] })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidError);
    expect((invalid as InvalidError).causes).toEqual([
      { field: 'spec.tcp[0].route[0].weight', reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": spec.tcp[0].route[0].weight in body must be of type integer: "string"' },
    ]);
  });

  it('answers GoneError for a continue token older than the kept history', async () => {
    for (let i = 0; i < 5; i++) env.server.objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'echo' } });
    const page = await client.resource({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, status: false }).list({ namespace: 'echo', limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.metadata.remainingItemCount).toBe(3);
    for (let i = 0; i < 40; i++) env.server.objects.patch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm-0', namespace: 'echo' }, 'merge', { data: { n: String(i) } });
    const cms = client.resource({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, status: false });
    const gone = await cms.list({ namespace: 'echo', limit: 2, continue: page.metadata.continue as string }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(GoneError);
    expect((gone as GoneError).message).toContain('The provided continue parameter is too old to display a consistent list result');
  });

  it('pages through a consistent snapshot: objects added after the first page are not in later pages', async () => {
    const cms = client.resource({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, status: false });
    const first = await cms.list({ namespace: 'echo', limit: 2 });
    env.server.objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-late', namespace: 'echo' } });
    const rest = await cms.list({ namespace: 'echo', limit: 100, continue: first.metadata.continue as string });
    expect(rest.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect([...first.items, ...rest.items].map((c) => c.metadata.name)).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4']);
    expect((await cms.listAll({ namespace: 'echo', limit: 2 })).items).toHaveLength(6);
  });
});

describe('retries and timeouts', () => {
  /** A client with its own recording clock; faults are reset and the client closed afterwards. */
  async function withClient(options: KubeClientOptions, source: KubeConfigSource, run: (c: KubeClient, clock: ReturnType<typeof recordingClock>) => Promise<void>): Promise<void> {
    const clock = recordingClock();
    const c = KubeClient.connect(source, { clock, ...options });
    try {
      await run(c, clock);
    } finally {
      env.server.faults.reset();
      c.close();
    }
  }
  const here = (): KubeConfigSource => ({ kubeconfig: env.kubeconfigPath });

  it('retries 500s with exponential backoff and jitter, then succeeds', () =>
    withClient({ random: () => 0.5, retry: { baseDelayMs: 100, jitter: 0.5 } }, here(), async (c, clock) => {
      env.server.faults.failNext(3, 500, { resources: ['virtualservices'] });
      expect((await c.virtualServices.get('echo', 'echo')).metadata.name).toBe('echo');
      expect(clock.sleeps).toEqual([75, 150, 300]);
    }));

  it('waits at least the Retry-After of a 429', () =>
    withClient({ retry: { baseDelayMs: 10 } }, here(), async (c, clock) => {
      env.server.faults.failNext(1, 429, { verbs: ['list'] });
      await c.virtualServices.list({ namespace: 'echo' });
      expect(clock.sleeps).toEqual([1000]);
    }));

  it('gives up after maxAttempts with a RetryableError keeping the status', () =>
    withClient({ retry: { maxAttempts: 3 } }, here(), async (c, clock) => {
      env.server.faults.setErrorRate(1, 500, { resources: ['destinationrules'] });
      const e = await c.destinationRules.get('echo', 'echo').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RetryableError);
      expect((e as RetryableError).status).toBe(500);
      expect(clock.sleeps).toHaveLength(2);
    }));

  it('does not retry what retrying cannot fix (404, 422)', () =>
    withClient({}, here(), async (c, clock) => {
      await expect(c.virtualServices.get('absent', 'echo')).rejects.toBeInstanceOf(NotFoundError);
      await expect(c.virtualServices.patch('echo', 'echo', { type: 'merge', body: { spec: { hosts: 'not-a-list' } } })).rejects.toBeInstanceOf(InvalidError);
      expect(clock.sleeps).toEqual([]);
    }));

  it('abandons a request with no answer within the deadline, as retryable', () =>
    withClient({ requestTimeoutMs: 100, retry: { maxAttempts: 1 } }, here(), async (c) => {
      env.server.faults.setLatency(400);
      const e = await c.virtualServices.get('echo', 'echo').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RetryableError);
      expect((e as RetryableError).message).toContain('no answer within 100 ms');
    }));

  it('reports an unreachable server as a retryable network error (status 0)', () =>
    withClient({ retry: { maxAttempts: 2 } }, { kubeconfigText: env.server.kubeconfig().replace(env.server.url, 'https://127.0.0.1:1') }, async (c, clock) => {
      const e = await c.pods.list().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RetryableError);
      expect((e as KubeError).status).toBe(0);
      expect(clock.sleeps).toHaveLength(1);
    }));

  it('refuses an unknown context, naming the contexts there are', () => {
    expect(() => KubeClient.connect({ kubeconfig: env.kubeconfigPath, context: 'prod' })).toThrow('context "prod" not found in kubeconfig (contexts: tcpshift-sandbox)');
  });
});

describe('conflict loop', () => {
  it('re-reads and re-applies a pure change until it lands, with concurrent writers', async () => {
    await client.virtualServices.create({ ...(virtualService('counter', [100, 0], 'echo') as VirtualService), metadata: { name: 'counter', namespace: 'echo', annotations: { n: '0' } } });
    const increment = (vs: VirtualService): VirtualService => ({ ...vs, metadata: { ...vs.metadata, annotations: { n: String(Number(vs.metadata.annotations?.n ?? 0) + 1) } } });
    const results = await Promise.all(Array.from({ length: 8 }, () => updateWithConflictRetry(client.virtualServices, 'counter', 'echo', increment)));
    expect((await client.virtualServices.get('counter', 'echo')).metadata.annotations?.n).toBe('8');
    expect(results.every((r) => r.written)).toBe(true);
    expect(Math.max(...results.map((r) => r.attempts))).toBeGreaterThan(1);
  });

  it('writes nothing when the change leaves the object as it is', async () => {
    const before = await client.virtualServices.get('counter', 'echo');
    const r = await updateWithConflictRetry(client.virtualServices, 'counter', 'echo', (vs) => vs);
    expect(r).toMatchObject({ written: false, attempts: 1 });
    expect((await client.virtualServices.get('counter', 'echo')).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });
});

describe('server-side apply', () => {
  it('creates, then updates, what a field manager applies', async () => {
    const desired = { ...(virtualService('applied', [100, 0], 'echo') as VirtualService) };
    const created = await client.virtualServices.apply(desired, { fieldManager: 'tcpshift' });
    expect(created.metadata.generation).toBe(1);
    const spec = structuredClone(desired.spec);
    const route = spec.tcp?.[0]?.route;
    if (route?.[0] && route[1]) [route[0].weight, route[1].weight] = [50, 50];
    const updated = await client.virtualServices.apply({ ...desired, spec }, { fieldManager: 'tcpshift' });
    expect(updated.spec.tcp?.[0]?.route?.map((r) => r.weight)).toEqual([50, 50]);
    expect(updated.metadata.generation).toBe(2);
  });
});
