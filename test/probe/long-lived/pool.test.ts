import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LongLivedPool, type EndedConnection, type LongLivedPoolOptions } from '../../../src/probe/index.js';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/faults/index.js';
import { ManualClock } from '../../../src/util/manual-clock.js';
import { closedPort, startFakeServer, type FakeServer } from '../../support/fake-echo-servers.js';
import { advanceUntil, waitFor } from '../../support/probe-wait.js';

const HEARTBEAT = 1000;
const TIMEOUT = 2000;

let server: FakeServer;
let proxy: FaultProxy;
let clock: ManualClock;
const pools: LongLivedPool[] = [];

function pool(overrides: Partial<LongLivedPoolOptions> = {}): LongLivedPool {
  const p = new LongLivedPool({
    address: { host: '127.0.0.1', port: proxy.port },
    identify: { mode: 'banner' },
    connections: 3,
    heartbeatMs: HEARTBEAT,
    timeoutMs: TIMEOUT,
    clock,
    ...overrides,
  });
  pools.push(p);
  return p;
}

/** Advance manual time one heartbeat at a time, waiting (real time) for every echo. */
async function healthyBeats(p: LongLivedPool, beats: number): Promise<void> {
  for (let i = 0; i < beats; i++) {
    await clock.advance(HEARTBEAT);
    await waitFor(() => p.heartbeatCounts().echoed === p.heartbeatCounts().sent, 'every heartbeat echoed');
  }
}

/** The proxy's id for the probe connection with this local port. */
function proxyIdOf(localPort: number | undefined): number {
  return proxy.connections().find((c) => c.clientPort === localPort)!.id;
}

async function firstEnd(p: LongLivedPool): Promise<EndedConnection> {
  await waitFor(() => p.ends().length > 0, 'an end');
  return p.ends()[0]!;
}

beforeEach(async () => {
  clock = new ManualClock();
  server = await startFakeServer({ style: 'tcpshift-echo', version: 'v1' });
  proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port } });
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
  await proxy.close();
  await server.close();
});

describe('long-lived pool', () => {
  it('opens N connections, identifies the version and echoes heartbeats', async () => {
    const p = pool();
    await p.start();
    await healthyBeats(p, 3);
    const block = p.snapshot();
    expect(block.open).toBe(3);
    expect(block.heartbeats).toBe(9);
    expect(block.ends).toEqual({ drained: 0, closed: 0, reset: 0, timeout: 0, corrupt: 0, refused: 0 });
    expect(block.maxDetectionMs).toBeNull();
    expect(block.connections.map((c) => [c.id, c.version, c.end])).toEqual([[1, 'v1', null], [2, 'v1', null], [3, 'v1', null]]);
    expect(server.connectionCount()).toBe(3);
  });

  it('detects a silent death (blackhole) no later than heartbeat + timeout after the fault', async () => {
    const p = pool();
    await p.start();
    await healthyBeats(p, 2);
    await clock.advance(300); // the fault lands between two heartbeats
    const faultAt = clock.now();
    proxy.setMode('blackhole');
    await advanceUntil(clock, () => p.ends().length === 3, { stepMs: 100, maxMs: 10_000 });
    for (const end of p.ends()) {
      expect(end.end).toBe('timeout');
      expect(end.version).toBe('v1');
      expect(end.endedAt - faultAt).toBeLessThanOrEqual(HEARTBEAT + TIMEOUT);
      expect(end.endedAt - faultAt).toBeGreaterThanOrEqual(TIMEOUT - 300);
      expect(end.detectionMs).toBeLessThanOrEqual(HEARTBEAT + TIMEOUT);
    }
    const maxDetection = p.snapshot().maxDetectionMs!;
    expect(maxDetection).toBeLessThanOrEqual(HEARTBEAT + TIMEOUT);
    expect(maxDetection).toBeGreaterThan(TIMEOUT);
    expect(p.snapshot().open).toBe(0);
  });

  it('classifies an RST as reset', async () => {
    const p = pool({ connections: 1 });
    await p.start();
    proxy.setMode('reset');
    const end = await firstEnd(p);
    expect(end).toMatchObject({ id: 1, version: 'v1', end: 'reset', detail: 'ECONNRESET' });
    expect(end.endedAt).toBe(clock.now());
  });

  it('classifies a FIN with no announced weight change as closed', async () => {
    const p = pool({ connections: 1 });
    await p.start();
    server.dropAll('fin');
    expect((await firstEnd(p)).end).toBe('closed');
  });

  it('classifies wrong bytes as corrupt', async () => {
    const p = pool({ connections: 1 });
    await p.start();
    proxy.setMode('corrupt');
    await advanceUntil(clock, () => p.ends().length === 1, { stepMs: 100, maxMs: 5_000 });
    expect(p.ends()[0]).toMatchObject({ end: 'corrupt', version: 'v1' });
    expect(p.ends()[0]!.detail).toMatch(/^expected the echo of 'PING 1 1', got a line of 8 bytes$/);
    expect(p.ends()[0]!.peerExcerpt).toMatch(/^peer bytes \(8, escaped\): "/);
  });

  it('classifies connections the gateway refuses (reset at accept) as refused', async () => {
    proxy.setMode('refuse');
    const p = pool({ connections: 2 });
    await p.start();
    expect(p.ends().map((e) => [e.end, e.version])).toEqual([['refused', null], ['refused', null]]);
  });

  it('classifies ECONNREFUSED as refused', async () => {
    const p = pool({ connections: 1, address: { host: '127.0.0.1', port: await closedPort() } });
    await p.start();
    expect(p.ends()[0]).toMatchObject({ end: 'refused', detail: 'ECONNREFUSED' });
  });

  it('classifies a connection that never answers its first line as timeout', async () => {
    proxy.setMode('blackhole');
    const p = pool({ connections: 1 });
    const started = p.start();
    await advanceUntil(clock, () => p.ends().length === 1, { stepMs: 250, maxMs: 5_000 });
    await started;
    expect(p.ends()[0]).toMatchObject({ end: 'timeout', version: null });
  });

  describe('drain vs breakage', () => {
    it('calls closes and resets within the announced drain window drained', async () => {
      const p = pool({ connections: 2 });
      await p.start();
      await healthyBeats(p, 2);
      p.announceWeightChange(clock.now(), 45_000);
      await healthyBeats(p, 5);
      const [a, b] = p.openConnections();
      proxy.setMode('close', { connection: proxyIdOf(a!.localPort) });
      proxy.setMode('reset', { connection: proxyIdOf(b!.localPort) });
      await waitFor(() => p.ends().length === 2, 'both ends');
      expect(p.ends().map((e) => e.end)).toEqual(['drained', 'drained']);
    });

    it('calls a close after the window closed, and a timeout inside it, breakage', async () => {
      const p = pool({ connections: 2 });
      await p.start();
      p.announceWeightChange(clock.now(), 1_000);
      await healthyBeats(p, 2); // now past the window
      const [a, b] = p.openConnections();
      proxy.setMode('close', { connection: proxyIdOf(a!.localPort) });
      await waitFor(() => p.ends().length === 1, 'the close');
      p.announceWeightChange(clock.now(), 45_000);
      proxy.setMode('blackhole', { connection: proxyIdOf(b!.localPort) });
      await advanceUntil(clock, () => p.ends().length === 2, { stepMs: 100, maxMs: 10_000 });
      expect(p.ends().map((e) => e.end)).toEqual(['closed', 'timeout']);
    });

    it('does not call a connection opened after the change drained', async () => {
      const p = pool({ connections: 1 });
      p.announceWeightChange(clock.now() - 1, 45_000);
      await p.start();
      server.dropAll('fin');
      expect((await firstEnd(p)).end).toBe('closed');
    });
  });

  it('pushes every end to listeners as it happens, until unsubscribed', async () => {
    const p = pool({ connections: 2 });
    await p.start();
    const seen: EndedConnection[] = [];
    const unsubscribe = p.onEnd((e) => seen.push(e));
    const [a] = p.openConnections();
    proxy.setMode('reset', { connection: proxyIdOf(a!.localPort) });
    await waitFor(() => seen.length === 1, 'the pushed end');
    expect(seen[0]).toMatchObject({ id: a!.id, end: 'reset' });
    unsubscribe();
    server.dropAll('fin');
    await waitFor(() => p.ends().length === 2, 'the second end');
    expect(seen).toHaveLength(1);
  });

  it('tops itself up: a serving connection is replaced at once, a refused one after a heartbeat', async () => {
    const p = pool({ connections: 2, topUp: true });
    await p.start();
    server.dropAll('rst');
    await waitFor(() => p.snapshot().open === 2 && p.ends().length === 2, 'two replacements');
    expect(p.openConnections().map((c) => c.id).sort()).toEqual([3, 4]);

    proxy.setMode('refuse');
    server.dropAll('rst');
    await waitFor(() => p.ends().length === 6, 'two resets and their refused replacements');
    expect(p.ends().slice(2).map((e) => e.end).sort()).toEqual(['refused', 'refused', 'reset', 'reset']);
    await clock.advance(HEARTBEAT - 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(p.ends()).toHaveLength(6); // a refused attempt is retried only after a heartbeat
    await clock.advance(1);
    await waitFor(() => p.ends().length === 8, 'the retries, refused again');
    proxy.setMode('pass');
    await clock.advance(HEARTBEAT);
    await waitFor(() => p.snapshot().open === 2, 'the pool back to two');
  });

  it('fills up when top-up is turned on later', async () => {
    const p = pool({ connections: 2 });
    await p.start();
    server.dropAll('fin');
    await waitFor(() => p.ends().length === 2, 'two ends');
    expect(p.snapshot().open).toBe(0);
    p.setTopUp(true);
    await waitFor(() => p.snapshot().open === 2, 'two new connections');
  });

  it('reports per period from a mark: only later ends and heartbeats, plus open connections', async () => {
    const p = pool({ connections: 2 });
    await p.start();
    await healthyBeats(p, 2);
    const [a] = p.openConnections();
    proxy.setMode('reset', { connection: proxyIdOf(a!.localPort) });
    await waitFor(() => p.ends().length === 1, 'the first end');
    const mark = p.mark();
    await healthyBeats(p, 1);
    server.dropAll('fin');
    await waitFor(() => p.ends().length === 2, 'the second end');
    const step = p.snapshot(mark);
    expect(step.heartbeats).toBe(1);
    expect(step.ends.closed).toBe(1);
    expect(step.ends.reset).toBe(0);
    expect(step.connections.map((c) => c.end)).toEqual(['closed']);
    expect(p.snapshot().ends.reset).toBe(1);
  });

  it('stops: closes every connection without reporting ends', async () => {
    const p = pool({ connections: 3, topUp: true });
    await p.start();
    await p.stop();
    await waitFor(() => server.connectionCount() === 0, 'the server to see every connection go');
    expect(p.ends()).toHaveLength(0);
    expect(clock.pending()).toBe(0);
  });
});

describe('long-lived pool misuse', () => {
  it('refuses a second start()', async () => {
    const p = new LongLivedPool({
      address: { host: '127.0.0.1', port: 1 },
      identify: { mode: 'banner' },
      connections: 0,
      heartbeatMs: HEARTBEAT,
      timeoutMs: TIMEOUT,
      clock: new ManualClock(),
    });
    await p.start();
    expect(() => p.start()).toThrow(/already called/);
  });
});
