// Istio's standard TCP metrics of the gateway emulator: real sockets through the tcp_proxy
// emulation (ProxyConnection) to real echo servers, reporting ticks on a ManualClock. Names and
// labels as istio/proxy istio_stats.cc writes them, response flags as Envoy's tcp_proxy sets them.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../../../src/echo/index.js';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/faults/index.js';
import type { Endpoint } from '../../../src/sandbox/mesh/endpoints.js';
import { workloadName } from '../../../src/sandbox/mesh/istio-tcp-labels.js';
import type { Cluster } from '../../../src/sandbox/mesh/listener-plan.js';
import { ProxyConnection, type UpstreamTarget } from '../../../src/sandbox/mesh/proxy-connection.js';
import { startStatsServer } from '../../../src/sandbox/mesh/stats-server.js';
import { IstioTcpMetrics } from '../../../src/sandbox/mesh/tcp-metrics.js';
import { silentLogger } from '../../../src/util/logger.js';
import { ManualClock } from '../../../src/util/manual-clock.js';
import { TestClient } from '../../echo/support.js';
import { waitFor } from '../../support/probe-wait.js';

const HOST = 'echo.echo.svc.cluster.local';
const clusterOf = (version: string): Cluster => ({ name: `outbound|9000|${version}|${HOST}`, host: HOST, subset: version, port: 9000 });
/** The endpoint fields the metrics read (other EDS fields, such as a locality, play no part). */
function endpointOf(version: string, port: number): Endpoint {
  const read = { pod: `echo-${version}-5c8d7b-x2x${version}`, namespace: 'echo', labels: { app: 'echo', version, 'pod-template-hash': '5c8d7b' }, address: '127.0.0.1', port };
  const unread: Partial<Endpoint> = {};
  return Object.assign(unread as Endpoint, read);
}

interface Route {
  version: string;
  target: UpstreamTarget;
  endpoint: Endpoint;
}
type Series = { labels: Record<string, string | number>; value: number };

describe('Istio TCP metrics of the gateway emulator', () => {
  const echoes: Record<string, EchoServer> = {};
  let gateway: net.Server;
  let gatewayPort: number;
  let clock: ManualClock;
  let metrics: IstioTcpMetrics;
  let route: Route;
  const closed: Array<Promise<void>> = [];

  const routeTo = (version: string, target?: UpstreamTarget): void => {
    const port = echoes[version]?.ports[0] as number;
    route = { version, target: target ?? { host: '127.0.0.1', port }, endpoint: endpointOf(version, port) };
  };

  beforeAll(async () => {
    for (const version of ['v1', 'v2']) {
      echoes[version] = await startEchoServer({ version, pod: `echo-${version}-0`, ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
    }
    // A stand-in for the gateway listener: every connection goes to the current route's endpoint.
    gateway = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => socket.destroy());
      const connection = new ProxyConnection(socket, route.target, route.endpoint, clock.now());
      closed.push(connection.whenClosed());
      metrics.proxied(connection, clusterOf(route.version));
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayPort = (gateway.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => gateway.close(resolve));
    await Promise.all(Object.values(echoes).map((e) => e.close()));
  });
  beforeEach(() => {
    clock = new ManualClock();
    metrics = new IstioTcpMetrics({ clock });
    closed.length = 0;
    routeTo('v1');
  });

  const series = async (name: string): Promise<Series[]> => {
    const all = await metrics.registry.getMetricsAsJSON();
    return (all.find((m) => m.name === name)?.values ?? []) as Series[];
  };
  /** The labels of the metric's only series, which must count exactly one connection. */
  const onlySeriesLabels = async (name: string): Promise<Series['labels'] | undefined> => {
    const all = await series(name);
    expect(all.map((s) => s.value)).toEqual([1]);
    return all[0]?.labels;
  };
  const total = async (name: string, labels: Record<string, string> = {}): Promise<number> =>
    (await series(name)).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

  /** A connection through the stand-in gateway: banner, one echo, then closed by the client. */
  const shortConnection = async (): Promise<{ sent: number; received: number }> => {
    const client = await TestClient.connect(gatewayPort);
    await client.waitForText((t) => t.includes('\n\n'));
    client.write('ping 1\n');
    await client.waitForText((t) => t.includes('ping 1\n'));
    client.socket.end();
    await client.ended;
    await Promise.all(closed);
    return { sent: client.socket.bytesRead, received: client.socket.bytesWritten };
  };

  /** A connection the gateway closes before any byte. */
  const failedConnection = async (): Promise<void> => {
    const client = await TestClient.connect(gatewayPort);
    await client.ended;
    await Promise.all(closed);
  };

  it('writes the four Istio TCP metrics with Istio\'s labels, reporter=source for the gateway, and the bytes each way', async () => {
    const bytes = await shortConnection();
    expect(await onlySeriesLabels('istio_tcp_connections_opened_total')).toEqual({
      reporter: 'source',
      source_workload: 'istio-ingressgateway',
      source_canonical_service: 'istio-ingressgateway',
      source_canonical_revision: 'latest',
      source_workload_namespace: 'istio-system',
      source_principal: 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
      source_app: 'istio-ingressgateway',
      source_version: 'unknown',
      source_cluster: 'Kubernetes',
      destination_workload: 'echo-v1',
      destination_workload_namespace: 'echo',
      destination_principal: 'spiffe://cluster.local/ns/echo/sa/default',
      destination_app: 'echo',
      destination_version: 'v1',
      destination_service: HOST,
      destination_canonical_service: 'echo',
      destination_canonical_revision: 'v1',
      destination_service_name: 'echo',
      destination_service_namespace: 'echo',
      destination_cluster: 'Kubernetes',
      request_protocol: 'tcp',
      response_flags: '-',
      connection_security_policy: 'unknown',
    });
    expect(await total('istio_tcp_connections_closed_total', { response_flags: '-' })).toBe(1);
    expect(await total('istio_tcp_sent_bytes_total')).toBe(bytes.sent);
    expect(await total('istio_tcp_received_bytes_total')).toBe(bytes.received);
    expect(bytes.received).toBe('ping 1\n'.length);
  });

  it('counts an open connection at its first reporting tick, not at accept, and its bytes at every tick', async () => {
    const client = await TestClient.connect(gatewayPort);
    await client.waitForText((t) => t.includes('\n\n'));
    expect(await total('istio_tcp_connections_opened_total')).toBe(0);
    await clock.advance(metrics.reportingMs);
    expect(await total('istio_tcp_connections_opened_total')).toBe(1);
    expect(await total('istio_tcp_received_bytes_total')).toBe(0);
    client.write('later\n');
    await client.waitForText((t) => t.includes('later\n'));
    expect(await total('istio_tcp_received_bytes_total')).toBe(0);
    await clock.advance(metrics.reportingMs);
    expect(await total('istio_tcp_received_bytes_total')).toBe('later\n'.length);
    expect(await total('istio_tcp_connections_closed_total')).toBe(0);
    client.destroy();
    await waitFor(() => closed.length === 1, 'the proxied connection');
    await Promise.all(closed);
    expect(await total('istio_tcp_connections_closed_total')).toBe(1);
    expect(await total('istio_tcp_connections_opened_total')).toBe(1);
  });

  it('reports a refused upstream as UF,URX, with only the endpoint metadata Envoy has (no app, no version)', async () => {
    const nobody = net.createServer();
    await new Promise<void>((resolve) => nobody.listen(0, '127.0.0.1', resolve));
    const port = (nobody.address() as AddressInfo).port;
    await new Promise((resolve) => nobody.close(resolve));
    routeTo('v2', { host: '127.0.0.1', port });
    await failedConnection();
    expect(await onlySeriesLabels('istio_tcp_connections_closed_total')).toMatchObject({
      response_flags: 'UF,URX',
      destination_workload: 'echo-v2',
      destination_canonical_revision: 'v2',
      destination_version: 'unknown',
      destination_app: 'unknown',
      destination_service_name: 'echo',
    });
    expect(await total('istio_tcp_connections_opened_total', { response_flags: 'UF,URX' })).toBe(1);
    expect(await total('istio_tcp_sent_bytes_total')).toBe(0);
  });

  it('reports the sandbox\'s refuse fault (a proxy that resets at accept) as a refused connect too', async () => {
    const proxy: FaultProxy = await startFaultProxy({ target: { host: '127.0.0.1', port: echoes.v2?.ports[0] as number }, mode: 'refuse' });
    try {
      routeTo('v2', { host: proxy.host, port: proxy.port, refuses: true });
      await failedConnection();
      expect(await total('istio_tcp_connections_closed_total', { response_flags: 'UF,URX', destination_workload: 'echo-v2' })).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('reports a cluster without endpoints as UH with an unknown peer', async () => {
    metrics.noHealthyUpstream(clusterOf('v2'));
    const [opened] = await series('istio_tcp_connections_opened_total');
    expect(opened?.labels).toMatchObject({ response_flags: 'UH', destination_workload: 'unknown', destination_version: 'unknown', destination_service: HOST, destination_service_name: 'echo' });
    expect(await total('istio_tcp_connections_closed_total', { response_flags: 'UH' })).toBe(1);
  });

  it('adds up connections per destination_version', async () => {
    for (const version of ['v1', 'v2', 'v1', 'v2', 'v1']) {
      routeTo(version);
      await shortConnection();
    }
    expect(await total('istio_tcp_connections_opened_total', { destination_version: 'v1' })).toBe(3);
    expect(await total('istio_tcp_connections_closed_total', { destination_version: 'v2' })).toBe(2);
    expect(await total('istio_tcp_connections_closed_total', { response_flags: '-' })).toBe(5);
  });

  it('serves the exposition text on /stats/prometheus and nothing else', async () => {
    await shortConnection();
    const server = await startStatsServer(() => metrics.text());
    try {
      const response = await fetch(server.url);
      expect(response.headers.get('content-type')).toContain('version=0.0.4');
      const text = await response.text();
      expect(text).toContain('# TYPE istio_tcp_connections_opened_total counter');
      expect(text).toMatch(/istio_tcp_connections_closed_total\{reporter="source",.*destination_version="v1".*response_flags="-".*\} 1/);
      expect((await fetch(server.url.replace('/stats/prometheus', '/metrics'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('names a Deployment pod\'s workload without its ReplicaSet hash, as istio-agent does', () => {
    expect(workloadName({ pod: 'echo-v1-7d9f6c-x2xkq', labels: { 'pod-template-hash': '7d9f6c' } })).toBe('echo-v1');
    expect(workloadName({ pod: 'standalone', labels: {} })).toBe('standalone');
  });
});
