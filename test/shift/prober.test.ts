// SocketProber against real tcpshift-echo servers behind a weighted pipe (80 % v1, 20 % v2).
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../../src/echo/index.js';
import { configSettleMs, samplingRate, SocketProber } from '../../src/shift/index.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { waitFor } from '../support/probe-wait.js';
import { shiftFor } from '../support/shift-fixtures.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function echo(version: string): Promise<EchoServer> {
  const server = await startEchoServer({ version, pod: `echo-${version}-1`, ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger, finLingerMs: 100 });
  cleanup.push(() => server.close());
  return server;
}

async function setUp(perStep = 400): Promise<{ prober: SocketProber; v1: EchoServer; gateway: FakeGateway }> {
  const v1 = await echo('v1');
  const v2 = await echo('v2');
  const gateway = await startFakeGateway([{ port: v1.ports[0]!, weight: 80 }, { port: v2.ports[0]!, weight: 20 }], 3);
  cleanup.push(() => gateway.close());
  const spec = shiftFor({
    'spec.probe.address': `127.0.0.1:${gateway.port}`,
    'spec.schedule.bake': '400ms',
    'spec.probe.newConnections.perStep': perStep,
  }).spec;
  const prober = new SocketProber(spec, systemClock);
  cleanup.push(() => prober.stop());
  return { prober, v1, gateway };
}

describe('SocketProber', () => {
  it('opens the long-lived connections before the first step, then samples the step at its target', async () => {
    const { prober } = await setUp();
    expect(prober.status().ready).toBe(false);
    await prober.start();
    expect(prober.status()).toMatchObject({ ready: true, stepIndex: undefined, sampling: false });
    expect(prober.counters()).toMatchObject({ longLivedWanted: 4, longLivedOpen: 4 });
    let changes = 0;
    prober.onChange(() => changes++);
    prober.markStep(0);
    prober.startSampling({ stepIndex: 0, targetShare: 0.2 });
    await waitFor(() => prober.status().observation.samplingDone, 'the step sampling to end');
    const { observation } = prober.status();
    expect(observation.newConnections).toMatchObject({ attempted: 400, failed: 0, canaryVersion: 'v2' });
    expect(observation.newConnections!.split!.decision).not.toBe('inconsistent');
    expect(observation.newConnections!.observedCanaryShare).toBeGreaterThan(0.1);
    expect(observation.newConnections!.observedCanaryShare).toBeLessThan(0.3);
    expect(changes).toBeGreaterThan(0);
  });

  it('pushes long-lived ends at once, and counts them in the step they happen in', async () => {
    const { prober, v1 } = await setUp();
    await prober.start();
    prober.markStep(0);
    const ends: string[] = [];
    prober.onEnd((end) => ends.push(end.end));
    await v1.close();
    await waitFor(() => ends.length > 0, 'a pushed end');
    // The cut connections end closed or reset; replacements routed to the dead backend are refused.
    expect(['closed', 'reset']).toContain(ends[0]);
    expect(ends.every((e) => ['closed', 'reset', 'refused'].includes(e))).toBe(true);
    const ll = prober.status().observation.longLived;
    expect(ll.ends.closed + ll.ends.reset + ll.ends.refused).toBe(ends.length);
    const before = ends.length;
    prober.markStep(1);
    const next = prober.status().observation.longLived.ends;
    expect(next.closed + next.reset + next.refused).toBe(ends.length - before);
  });

  it('samples new connections only once the configuration had time to settle after the weight change', async () => {
    const { prober } = await setUp();
    await prober.start();
    const now = Date.now();
    prober.startSampling({ stepIndex: 0, targetShare: 0.2, weightChange: { at: now, window: [now + 1800, now + 3000] } });
    expect(prober.status()).toMatchObject({ stepIndex: 0, sampling: true });
    expect(prober.status().observation.newConnections).toBeUndefined();
    await waitFor(() => (prober.status().observation.newConnections?.attempted ?? 0) > 0, 'the first samples');
    expect(Date.now() - now).toBeGreaterThanOrEqual(configSettleMs(400) - 5);
  });

  it('spreads a step’s new connections over three quarters of the bake', () => {
    expect(samplingRate(1000, 4000)).toBe(1000 / 3);
    expect(samplingRate(200, 0)).toBe(0);
  });
});
