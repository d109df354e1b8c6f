// A hostile tenant's identify regex must not hurt another namespace's shift (issue 19). Tenant A
// probes a server whose answer holds a 40-character word with `(?<version>(\S|\S)*)!`: 2^40
// steps for a backtracking engine, which froze the controller for minutes (healthz silent, Lease
// lost, other shifts rolled back). The controller is a real process with the full probes (and the
// pre-flight); the API emulator, the echo servers and a gateway stand-in that follows tenant B's
// route weights live in the test.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../../src/echo/index.js';
import type { KubeObject } from '../../src/kube/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { packagePath } from '../../src/util/package-root.js';
import { httpGet } from '../echo/support.js';
import { startTestApiServer, virtualService, type TestApiServer } from '../support/apiserver-fixtures.js';
import { startControllerProcess, waitForObject, type ControllerProcess } from '../support/controller-e2e.js';
import { condition, type StoredShift } from '../support/controller-harness.js';
import { createRoutingChain } from '../support/routing-chain.js';
import { shiftDocument } from '../support/shift-fixtures.js';

const REDOS = '(?<version>(\\S|\\S)*)!';

let api: TestApiServer;
let stable: EchoServer;
let canary: EchoServer;
let healthy: net.Server;
let hostile: EchoServer;
let controller: ControllerProcess;

const ref = (namespace: string) => ({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'echo', namespace });

function shift(namespace: string): StoredShift | undefined {
  try {
    return api.server.objects.get(ref(namespace)) as unknown as StoredShift;
  } catch {
    return undefined;
  }
}

type RouteStub = { spec: { tcp: Array<{ route: Array<{ weight?: number }> }> } };

function routeWeights(namespace: string): number[] {
  const vs = api.server.objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace }) as unknown as RouteStub;
  return vs.spec.tcp[0]!.route.map((r) => r.weight ?? 0);
}

/** Each new connection goes to the v1 or v2 server by the current weights of `namespace`'s route, as a gateway would. */
async function routeFollowingGateway(namespace: string): Promise<net.Server> {
  const server = net.createServer((client) => {
    const [v1 = 0, v2 = 0] = routeWeights(namespace);
    const backend = Math.random() * (v1 + v2) < v1 ? stable : canary;
    const upstream = net.connect({ host: '127.0.0.1', port: backend.ports[0]! });
    for (const socket of [client, upstream]) socket.on('error', () => undefined);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: EchoServer | net.Server): number => ('ports' in server ? server.ports[0]! : (server.address() as net.AddressInfo).port);

/** A route (with its Gateway and DestinationRule) and its TCPShift in `namespace`: one step to 100 %, probed at `server`. */
function createShift(namespace: string, server: EchoServer | net.Server, changes: Record<string, unknown>): void {
  api.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  api.server.objects.create(virtualService('echo', [100, 0], namespace) as unknown as KubeObject);
  createRoutingChain(api.server.objects, namespace, (o) => o.kind === 'Gateway' || o.kind === 'DestinationRule');
  const document = shiftDocument({
    'metadata.name': 'echo',
    'metadata.namespace': namespace,
    'spec.target.virtualService': 'echo',
    'spec.probe.address': `127.0.0.1:${portOf(server)}`,
    'spec.probe.longLived': { connections: 3, heartbeat: '500ms', timeout: '2s' },
    'spec.probe.newConnections': { perStep: 60, concurrency: 5 },
    'spec.schedule.steps': [100],
    'spec.schedule.bake': '4s',
    'spec.analysis.drainDuration': '300ms',
    'spec.analysis.splitTolerance': 0.2,
    ...changes,
  });
  api.server.objects.create(document as unknown as KubeObject);
}

/** Polls /healthz until stopped; the longest time without an answer. */
function watchHealth(port: number): { stop(): Promise<number> } {
  let running = true;
  let lastAnswer = Date.now();
  let longestGap = 0;
  const loop = (async () => {
    while (running) {
      const reply = await httpGet(port, '/healthz').catch(() => undefined);
      if (reply?.status === 200) {
        longestGap = Math.max(longestGap, Date.now() - lastAnswer);
        lastAnswer = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return Math.max(longestGap, Date.now() - lastAnswer);
    },
  };
}

beforeAll(async () => {
  api = await startTestApiServer();
  api.server.installCrds(readFileSync(packagePath('manifests', 'crd', 'tcpshift.io_tcpshifts.yaml'), 'utf8'));
  api.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tcpshift-system' } });
  // The Services and Ready pods of echo.echo.svc.cluster.local that both tenants' routes name.
  api.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } });
  createRoutingChain(api.server.objects, 'echo', (o) => o.kind === 'Service' || o.kind === 'Pod');
  stable = await startEchoServer({ version: 'v1', ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
  canary = await startEchoServer({ version: 'v2', ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
  healthy = await routeFollowingGateway('tenant-b');
  // Answers "<40 x> PING ...": one long word and no "!", the pattern's worst case.
  hostile = await startEchoServer({ version: 'v2', ports: [0], host: '127.0.0.1', healthPort: null, banner: 'none', prefix: 'x'.repeat(40), logger: silentLogger });
  controller = await startControllerProcess(api.kubeconfigPath, { identity: 'tenants-ctl', leaseNamespace: 'tcpshift-system' });
  await controller.leading();
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  await hostile?.close();
  await new Promise((resolve) => (healthy ? healthy.close(resolve) : resolve(undefined)));
  await stable?.close();
  await canary?.close();
  await api?.close();
});

describe('a ReDoS pattern in one namespace', () => {
  it("leaves another namespace's shift unharmed and the controller answering", async () => {
    const health = watchHealth(controller.healthPort);
    createShift('tenant-a', hostile, { 'spec.probe.identify': { mode: 'regex', pattern: REDOS } });
    createShift('tenant-b', healthy, {});

    const b = await waitForObject(() => shift('tenant-b'), (s) => s.status?.phase === 'Promoted', 'tenant-b Promoted', 90_000);
    expect(b.status?.steps?.map((s) => s.targetWeight)).toEqual([100]);
    // Tenant A's pre-flight ran the pattern over its answers in bounded time: nothing identified,
    // so it is stopped before any write (Degraded), its route untouched.
    await waitForObject(() => shift('tenant-a'), (s) => condition(s, 'Degraded')?.status === 'True', 'tenant-a stopped by its pre-flight', 90_000);
    expect(routeWeights('tenant-a')).toEqual([100, 0]);
    // A backtracking engine blocks the event loop for hours here; generous for a busy machine.
    expect(await health.stop()).toBeLessThan(10_000);
    expect(controller.proc.records.filter((r) => /lost|leadership/i.test(String(r.msg)) && r.msg !== 'leading: reconciling TCPShifts')).toEqual([]);
  }, 150_000);

  it('a pattern RE2 cannot run is InvalidSpec naming spec.probe.identify.pattern, the route untouched', async () => {
    createShift('tenant-c', healthy, { 'spec.probe.identify': { mode: 'regex', pattern: '(?<version>\\w+) \\1' } });
    const c = await waitForObject(() => shift('tenant-c'), (s) => s.status?.phase === 'Failed', 'tenant-c Failed', 60_000);
    const degraded = c.status?.conditions?.find((condition) => condition.type === 'Degraded');
    expect(degraded).toMatchObject({ reason: 'InvalidSpec', message: expect.stringMatching(/spec\.probe\.identify\.pattern: .*no backreferences or lookaround/) });
    expect(routeWeights('tenant-c')).toEqual([100, 0]);
  }, 90_000);
});
