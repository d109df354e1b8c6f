// The gateway emulator's xDS model end to end in one process: the API emulator, the gateway
// (informers over HTTPS, time on a ManualClock) and real echo servers as pods. What a client
// sees: LDS changes drain only the changed filter chain, CDS and EDS changes never close an
// established connection, and EDS reaches new connections after Envoy's merge window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../../../src/echo/index.js';
import { KubeClient } from '../../../src/kube/index.js';
import { startMeshGateway, type MeshGateway } from '../../../src/sandbox/mesh/index.js';
import { echoLocalityLabel, sandboxObjects } from '../../../src/sandbox/sandbox-objects.js';
import { ManualClock } from '../../../src/util/manual-clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver-fixtures.js';
import { waitFor } from '../../support/probe-wait.js';
import { hasEnded, openEcho, roundTrip, tally, type TestClient } from '../../support/sandbox-clients.js';
import { readyPod } from '../../support/sandbox-mesh-fixtures.js';

const DRAIN = 5000;
const WINDOW = 1000;
const V1 = 'outbound|9000|v1|echo.echo.svc.cluster.local';
const ALL = 'outbound|9000||echo.echo.svc.cluster.local';
const DR = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', name: 'echo', namespace: 'echo' };
const VS = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };

describe('gateway emulator xDS (in process)', () => {
  let api: TestApiServer;
  let kube: KubeClient;
  let gateway: MeshGateway;
  const clock = new ManualClock();
  const servers: EchoServer[] = [];
  const clients: TestClient[] = [];

  const addPod = async (name: string, version: string, labels: Record<string, string> = echoLocalityLabel(version)): Promise<void> => {
    const server = await startEchoServer({ version, pod: name, ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
    servers.push(server);
    const pod = readyPod(name, version, server.ports[0] as number, { labels });
    const { status, ...rest } = pod;
    api.server.objects.create(rest);
    api.server.objects.update({ ...(api.server.objects.get({ apiVersion: 'v1', kind: 'Pod', name, namespace: 'echo' })), status }, 'status');
  };
  const open = async (port: number): Promise<TestClient & { answer: { version: string; pod: string } }> => {
    const c = await openEcho(port);
    clients.push(c);
    return c;
  };
  const port = (gatewayPort = 31400): number => gateway.listener(gatewayPort)?.port as number;
  const patchDr = (ops: unknown[]): void => void api.server.objects.patch(DR, 'json', ops);
  const settled = async (what: string, condition: () => boolean): Promise<void> => waitFor(condition, what, 20_000);
  const localityShares = (shares: Record<string, number>): { loadBalancer: Record<string, unknown> } => ({
    loadBalancer: { localityLbSetting: { distribute: [{ from: '*', to: Object.fromEntries(Object.entries(shares).map(([v, w]) => [`tcpshift/echo/${v}`, w])) }] } },
  });

  beforeAll(async () => {
    api = await startTestApiServer();
    api.server.objects.apply(sandboxObjects({ replicas: 0, provider: 'istio' }).filter((o) => o.kind !== 'Deployment'));
    // A second Gateway port with its own route: its filter chain must not drain when 31400's changes.
    api.server.objects.patch({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', name: 'echo-gateway', namespace: 'echo' }, 'json', [
      { op: 'add', path: '/spec/servers/-', port: { number: 31401, name: 'tcp-2', protocol: 'TCP' }, hosts: ['*'] },
    ].map(({ op, path, ...value }) => ({ op, path, value })));
    api.server.objects.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'echo-2', namespace: 'echo' },
      spec: { hosts: ['*'], gateways: ['echo-gateway'], tcp: [{ match: [{ port: 31401 }], route: [{ destination: { host: 'echo', subset: 'v1', port: { number: 9000 } } }] }] },
    });
    for (const [name, version] of [['echo-v1-a', 'v1'], ['echo-v1-b', 'v1'], ['echo-v2-a', 'v2']] as const) await addPod(name, version);
    kube = KubeClient.connect({ kubeconfigText: api.server.kubeconfig({ namespace: 'echo' }) });
    gateway = await startMeshGateway({ kube, clock, logger: silentLogger, drainMs: DRAIN, edsMergeWindowMs: WINDOW });
    await settled('both listeners and three endpoints', () => gateway.listeners().length === 2 && gateway.endpoints({ name: ALL, host: 'echo.echo.svc.cluster.local', subset: undefined, port: 9000 }).length === 3);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await gateway.close();
    kube.close();
    await Promise.all(servers.map((s) => s.close()));
    await api.close();
  });

  it('a weight change drains only the changed filter chain: the other port keeps its connection past the drain', async () => {
    const onChanged = await open(port(31400));
    const onOther = await open(port(31401));
    const generation = gateway.listener(31400)?.generation ?? 0;
    api.server.objects.patch(VS, 'json', [{ op: 'replace', path: '/spec/tcp/0/route/1/weight', value: 10 }, { op: 'replace', path: '/spec/tcp/0/route/0/weight', value: 90 }]);
    await settled('31400 replaced its chain', () => gateway.listener(31400)?.generation === generation + 1);
    expect(gateway.listener(31401)?.generation).toBe(1);
    await clock.advance(DRAIN);
    expect(await hasEnded(onChanged, 5000)).toBe(true);
    await roundTrip(onOther, 'untouched chain');
  });

  it('editing a DestinationRule field that leaks into tcp_proxy (idleTimeout) drains the chain', async () => {
    const before = await open(port(31400));
    const generation = gateway.listener(31400)?.generation ?? 0;
    patchDr([{ op: 'add', path: '/spec/trafficPolicy', value: { connectionPool: { tcp: { idleTimeout: '1h' } } } }]);
    await settled('the chain was replaced', () => gateway.listener(31400)?.generation === generation + 1);
    await clock.advance(DRAIN);
    expect(await hasEnded(before, 5000)).toBe(true);
  });

  it('distribute appearing changes the cluster (CDS) but no chain, and established connections stay', async () => {
    // The tcp route becomes one destination without subset (one drain), as strategy: locality wants it.
    api.server.objects.patch(VS, 'json', [{ op: 'replace', path: '/spec/tcp/0/route', value: [{ destination: { host: 'echo.echo.svc.cluster.local', port: { number: 9000 } } }] }]);
    await settled('single cluster route', () => gateway.listener(31400)?.tcpProxy?.clusters[0]?.cluster.name === ALL);
    await clock.advance(DRAIN);
    const long = await open(port(31400));
    const generation = gateway.listener(31400)?.generation;
    patchDr([{ op: 'add', path: '/spec/trafficPolicy/loadBalancer', value: localityShares({ v1: 100 }).loadBalancer }]);
    await settled('locality-weighted cluster', () => gateway.cluster(ALL)?.localityWeighted === true);
    expect(gateway.listener(31400)?.generation).toBe(generation);
    expect(gateway.cluster(V1)?.localityWeighted).toBe(true);
    await clock.advance(DRAIN * 2);
    await roundTrip(long, 'cds change kept me');
    const split = await tally(port(31400), 20, 4);
    expect(split.byVersion).toEqual({ v1: 20 });
  });

  it('a distribute edit reaches new connections after the merge window; established connections stay', async () => {
    const long = await open(port(31400));
    // The last EDS delivery may be recent: wait out one window so the next one is delivered at once.
    await clock.advance(WINDOW + 1);
    patchDr([{ op: 'replace', path: '/spec/trafficPolicy/loadBalancer', value: localityShares({ v1: 50, v2: 50 }).loadBalancer }]);
    await settled('first edit delivered at once', () => gateway.loadAssignment(ALL)?.localities.find((l) => l.locality === 'tcpshift/echo/v2')?.endpoints.length === 1);
    const generation = gateway.listener(31400)?.generation;
    const revision = gateway.revision;
    patchDr([{ op: 'replace', path: '/spec/trafficPolicy/loadBalancer', value: localityShares({ v1: 10, v2: 90 }).loadBalancer }]);
    await settled('the gateway recomputed after the edit', () => gateway.revision > revision);
    const weightOf = (locality: string): number | undefined => gateway.loadAssignment(ALL)?.localities.find((l) => l.locality === locality)?.weight;
    expect(weightOf('tcpshift/echo/v2')).toBe(50);
    await clock.advance(WINDOW);
    expect(weightOf('tcpshift/echo/v2')).toBe(90);
    const split = await tally(port(31400), 50, 4);
    // EDF over 10:90 gives 45 of 50 exactly on a fresh scheduler; a few picks of slack for ordering.
    expect(split.byVersion.v2).toBeGreaterThanOrEqual(42);
    expect(split.byVersion.v2).toBeLessThanOrEqual(48);
    expect(gateway.listener(31400)?.generation).toBe(generation);
    await roundTrip(long, 'eds change kept me');
  });

  it('refuses a distribute whose shares do not sum to 100 as istiod\'s webhook does (400, nothing written)', () => {
    const before = api.server.objects.get(DR).metadata.resourceVersion;
    let denied: unknown;
    try {
      patchDr([{ op: 'replace', path: '/spec/trafficPolicy/loadBalancer', value: localityShares({ v1: 60, v2: 30 }).loadBalancer }]);
    } catch (error) {
      denied = error;
    }
    expect(denied).toMatchObject({ code: 400, message: 'admission webhook "validation.istio.io" denied the request: configuration is invalid: total locality weight 90 != 100' });
    expect(api.server.objects.get(DR).metadata.resourceVersion).toBe(before);
  });

  it('a pod leaving EDS keeps its established connection; a pod without a listed locality gets nothing', async () => {
    await clock.advance(WINDOW + 1);
    patchDr([{ op: 'replace', path: '/spec/trafficPolicy/loadBalancer', value: localityShares({ v2: 100 }).loadBalancer }]);
    await settled('v1 hosts gone from EDS', () => gateway.endpoints({ name: ALL, host: 'echo.echo.svc.cluster.local', subset: undefined, port: 9000 }).every((e) => e.locality === 'tcpshift/echo/v2'));
    await addPod('echo-v2-nolabel', 'v2', {});
    // It adds no host (its locality keeps no endpoint): a weight-only update, merged into the window.
    await settled('the unlabelled pod is known', () => {
      void clock.advance(WINDOW);
      return gateway.loadAssignment(ALL)?.localities.some((l) => l.locality === '') === true;
    });
    expect(gateway.endpoints({ name: ALL, host: 'echo.echo.svc.cluster.local', subset: undefined, port: 9000 }).map((e) => e.pod)).toEqual(['echo-v2-a']);
    const onV2 = await open(port(31400));
    expect(onV2.answer.pod).toBe('echo-v2-a');
    api.server.objects.delete({ apiVersion: 'v1', kind: 'Pod', name: 'echo-v2-a', namespace: 'echo' });
    await settled('echo-v2-a removed from EDS', () => gateway.endpoints({ name: ALL, host: 'echo.echo.svc.cluster.local', subset: undefined, port: 9000 }).length === 0);
    await clock.advance(DRAIN * 2);
    await roundTrip(onV2, 'host removed, connection kept');
  });
});
