// One gateway port with real sockets and real echo servers, time on a ManualClock: the drain of
// replaced filter chains, generations, no-upstream closes, listener removal.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../../../src/echo/index.js';
import type { Endpoint } from '../../../src/sandbox/mesh/endpoints.js';
import { GatewayListener } from '../../../src/sandbox/mesh/gateway-listener.js';
import type { Cluster, ListenerPlan } from '../../../src/sandbox/mesh/listener-plan.js';
import { RoundRobin } from '../../../src/sandbox/mesh/picker.js';
import { ManualClock } from '../../../src/util/manual-clock.js';
import { MemoryLogger, silentLogger } from '../../../src/util/logger.js';
import { hasEnded, openEcho, roundTrip, whoAnswers, type TestClient } from '../../support/sandbox-clients.js';
import { waitFor } from '../../support/probe-wait.js';

const DRAIN = 1000;
const cluster = (name: string): Cluster => ({ name, host: name, subset: undefined, port: 9000 });
const plan = (clusters: Array<[string, number]>, source = 'VirtualService echo/echo'): ListenerPlan => ({
  gatewayPort: 31400,
  servers: [],
  tcpProxy: clusters.length === 0 ? undefined : { source, weighted: true, clusters: clusters.map(([n, w]) => ({ cluster: cluster(n), weight: w })), policy: { hashSourceIp: false }, key: JSON.stringify([source, clusters]) },
});

describe('gateway listener', () => {
  const servers: Record<string, EchoServer> = {};
  const endpoints: Record<string, Endpoint[]> = {};
  let clock: ManualClock;
  let listener: GatewayListener;
  let logger: MemoryLogger;
  const clients: TestClient[] = [];
  const open = async (): Promise<TestClient & { answer: { version: string } }> => {
    const c = await openEcho(listener.port);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    for (const v of ['v1', 'v2']) {
      const server = await startEchoServer({ version: v, pod: `echo-${v}-0`, ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
      servers[v] = server;
      endpoints[v] = [{ pod: `echo-${v}-0`, namespace: 'echo', labels: {}, address: '127.0.0.1', port: server.ports[0] as number, locality: '' }];
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  const start = async (initial: ListenerPlan): Promise<void> => {
    clock = new ManualClock();
    logger = new MemoryLogger();
    const roundRobin = new RoundRobin();
    listener = await GatewayListener.open(initial, '127.0.0.1', 0, true, {
      clock,
      logger,
      random: Math.random,
      drainMs: DRAIN,
      pickEndpoint: (c) => roundRobin.pick(c.name, endpoints[c.name] ?? []),
      upstreamFor: (e) => ({ host: e.address, port: e.port }),
    });
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await listener.close();
  });

  it('keeps an existing connection echoing after a route change and closes it exactly when the drain ends', async () => {
    await start(plan([['v1', 100]]));
    const old = await open();
    expect(old.answer.version).toBe('v1');
    expect(listener.apply(plan([['v1', 0], ['v2', 100]]))).toBe(true);
    await roundTrip(old, 'still there');
    const fresh = await open();
    expect(fresh.answer.version).toBe('v2');
    expect(listener.info()).toMatchObject({ generation: 2, active: 1, draining: 1 });
    await clock.advance(DRAIN - 1);
    await roundTrip(old, 'one ms before the end');
    await clock.advance(1);
    expect(await hasEnded(old, 2000)).toBe(true);
    await roundTrip(fresh, 'the new generation is not drained');
    expect(listener.info()).toMatchObject({ active: 1, draining: 0, counters: { drained: 1 } });
    expect(logger.records.some((r) => r.msg === 'gateway route changed' && r.fields.draining === 1)).toBe(true);
  });

  it('does not drain when the tcp_proxy is the same (a metadata-only change)', async () => {
    await start(plan([['v1', 100]]));
    const c = await open();
    expect(listener.apply(plan([['v1', 100]]))).toBe(false);
    await clock.advance(DRAIN * 5);
    await roundTrip(c, 'alive');
    expect(listener.info().generation).toBe(1);
  });

  it('drains each replaced generation on its own timer', async () => {
    await start(plan([['v1', 100]]));
    const first = await open();
    listener.apply(plan([['v2', 100]]));
    await clock.advance(DRAIN / 2);
    const second = await open();
    listener.apply(plan([['v1', 50], ['v2', 50]]));
    await clock.advance(DRAIN / 2);
    expect(await hasEnded(first, 2000)).toBe(true);
    await roundTrip(second, 'half way through its own drain');
    await clock.advance(DRAIN / 2 - 1);
    await roundTrip(second, 'just before');
    await clock.advance(1);
    expect(await hasEnded(second, 2000)).toBe(true);
  });

  it('closes new connections at once when there is no route or no endpoint, without a byte', async () => {
    await start(plan([]));
    expect(await whoAnswers(listener.port)).toBeUndefined();
    listener.apply(plan([['nowhere', 1]]));
    expect(await whoAnswers(listener.port)).toBeUndefined();
    listener.apply(plan([['v1', 1], ['nowhere', 1]]));
    const answers = await Promise.all(Array.from({ length: 40 }, () => whoAnswers(listener.port)));
    const closed = answers.filter((a) => a === undefined).length;
    // About half pick the cluster without endpoints; the others are served.
    expect(closed).toBeGreaterThan(5);
    expect(closed).toBeLessThan(35);
    expect(listener.info().counters.noUpstream).toBe(2 + closed);
  });

  it('an old generation that empties on its own cancels its drain', async () => {
    await start(plan([['v1', 100]]));
    const c = await open();
    listener.apply(plan([['v2', 100]]));
    const pending = clock.pending();
    c.destroy();
    await waitFor(() => listener.info().draining === 0, 'the old connection to be forgotten');
    expect(clock.pending()).toBe(pending - 1);
  });

  it("forwards the pod's FIN as a FIN (half-close), and forgets the connection once the client closes too", async () => {
    const pod = await startEchoServer({ version: 'v3', pod: 'echo-v3-0', ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
    endpoints.v3 = [{ pod: 'echo-v3-0', namespace: 'echo', labels: {}, address: '127.0.0.1', port: pod.ports[0] as number, locality: '' }];
    try {
      await start(plan([['v3', 1]]));
      const client = await openEcho(listener.port);
      const draining = pod.drain(0);
      expect(await client.ended).toBe('fin');
      await draining;
      await waitFor(() => listener.info().active === 0, 'the connection to be forgotten');
    } finally {
      await pod.close();
    }
  });

  it('on removal stops accepting and drains what is open', async () => {
    await start(plan([['v1', 100]]));
    const c = await open();
    const port = listener.port;
    listener.remove();
    await expect(whoAnswers(port)).rejects.toThrow(/ECONNREFUSED/);
    await roundTrip(c, 'draining');
    await clock.advance(DRAIN);
    expect(await hasEnded(c, 2000)).toBe(true);
  });
});
