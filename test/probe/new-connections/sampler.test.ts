import { afterEach, describe, expect, it } from 'vitest';
import type { IdentifyConfig } from '../../../src/probe/index.js';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/faults/index.js';
import { ManualClock } from '../../../src/util/manual-clock.js';
import { closedPort, startFakeServer, type FakeServerOptions } from '../../support/fake-echo-servers.js';
import { startFakeGateway } from '../../support/fake-gateway.js';
import { testSampler } from '../../support/probe-sampler.js';
import { advanceUntil, waitFor } from '../../support/probe-wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: FakeServerOptions): Promise<number> {
  const s = await startFakeServer(options);
  cleanups.push(() => s.close());
  return s.port;
}

async function proxyTo(port: number): Promise<FaultProxy> {
  const p = await startFaultProxy({ target: { host: '127.0.0.1', port } });
  cleanups.push(() => p.close());
  return p;
}

const sampler = testSampler;

describe('version identification against the three server styles', () => {
  it.each<[string, FakeServerOptions, IdentifyConfig, string]>([
    ['tcpshift-echo, banner', { style: 'tcpshift-echo', version: 'v2' }, { mode: 'banner' }, 'v2'],
    ['tcpshift-echo with a prefix, prefix', { style: 'tcpshift-echo', version: 'v2', prefix: 'two' }, { mode: 'prefix', stable: 'one', canary: 'two' }, 'two'],
    ['tcpshift-echo, regex on the banner', { style: 'tcpshift-echo', version: 'v7' }, { mode: 'regex', pattern: '^Version: (?<version>v\\d+) \\(' }, 'v7'],
    ['istio tcp-echo, prefix', { style: 'istio-tcp-echo', prefix: 'one' }, { mode: 'prefix', stable: 'one', canary: 'two' }, 'one'],
    ['istio tcp-echo, regex on the echo', { style: 'istio-tcp-echo', prefix: 'two' }, { mode: 'regex', pattern: '^(?<version>\\w+) PING' }, 'two'],
    ['socat banner, banner', { style: 'socat-banner', version: 'v1' }, { mode: 'banner' }, 'v1'],
    ['socat banner without the blank line, banner', { style: 'socat-banner', version: 'v2', noBlankLine: true }, { mode: 'banner' }, 'v2'],
  ])('%s', async (_name, serverOptions, identify, version) => {
    const port = await server(serverOptions);
    const block = await sampler(port, identify).run();
    expect(block).toMatchObject({ attempted: 6, succeeded: 6, failed: 0, byVersion: { [version]: 6 } });
    expect(block.connectMs.p50).not.toBeNull();
    expect(block.ttfbMs.p99).not.toBeNull();
  });

  it('counts a server it cannot identify as unidentified, not as a version', async () => {
    const port = await server({ style: 'istio-tcp-echo', prefix: 'three' });
    const banner = await sampler(port, { mode: 'banner' }).run();
    expect(banner).toMatchObject({ succeeded: 0, failed: 6, byVersion: {} });
    expect(banner.failuresByKind.unidentified).toBe(6);
    const prefix = await sampler(port, { mode: 'prefix', stable: 'one', canary: 'two' }).run();
    expect(prefix.failuresByKind.unidentified).toBe(6);
  });
});

describe('failure kinds of new connections', () => {
  it('refused: nothing listening, or a gateway resetting at accept', async () => {
    expect((await sampler(await closedPort(), { mode: 'banner' }).run()).failuresByKind.refused).toBe(6);
    const proxy = await proxyTo(await server({ style: 'tcpshift-echo' }));
    proxy.setMode('refuse');
    const block = await sampler(proxy.port, { mode: 'banner' }).run();
    expect(block).toMatchObject({ attempted: 6, failed: 6, succeeded: 0 });
    expect(block.failuresByKind.refused).toBe(6);
  });

  it('timeout: accepted but never answered (blackhole)', async () => {
    const proxy = await proxyTo(await server({ style: 'tcpshift-echo' }));
    proxy.setMode('blackhole');
    const block = await sampler(proxy.port, { mode: 'banner' }, { replyTimeoutMs: 150, maxAttempts: 3 }).run();
    expect(block.failuresByKind.timeout).toBe(3);
  });

  it('corrupt: a wrong echo after the banner', async () => {
    const proxy = await proxyTo(await server({ style: 'tcpshift-echo', prefix: 'one' }));
    proxy.setMode('corrupt');
    const block = await sampler(proxy.port, { mode: 'prefix', stable: 'one', canary: 'two' }, { maxAttempts: 3 }).run();
    expect(block.failuresByKind).toMatchObject({ corrupt: 3 });
  });

  it('closed: the server hangs up after the banner', async () => {
    const s = await startFakeServer({ style: 'socat-banner', version: 'v1' });
    cleanups.push(() => s.close());
    const proxy = await proxyTo(s.port);
    proxy.setMode('delay', { delayMs: 200 }); // hold the echo back while the server hangs up
    const run = sampler(proxy.port, { mode: 'banner' }, { maxAttempts: 1 }).run();
    await waitFor(() => s.connectionCount() === 1, 'the connection');
    await new Promise((resolve) => setTimeout(resolve, 100));
    s.dropAll('fin');
    const block = await run;
    expect(block.failuresByKind.closed).toBe(1);
  });
});

describe('split of new connections', () => {
  async function gateway(canaryWeight: number): Promise<number> {
    const v1 = await server({ style: 'tcpshift-echo', version: 'v1' });
    const v2 = await server({ style: 'tcpshift-echo', version: 'v2' });
    const g = await startFakeGateway([{ port: v1, weight: 100 - canaryWeight }, { port: v2, weight: canaryWeight }], 42);
    cleanups.push(() => g.close());
    return g.port;
  }

  it('reports the observed canary share with its Wilson interval', async () => {
    const port = await gateway(30);
    const block = await sampler(port, { mode: 'banner' }, { maxAttempts: 200, concurrency: 10 }).run();
    expect(block.succeeded).toBe(200);
    expect((block.byVersion['v1'] ?? 0) + (block.byVersion['v2'] ?? 0)).toBe(200);
    expect(block.canaryVersion).toBe('v2');
    expect(block.observedCanaryShare).toBeCloseTo((block.byVersion['v2'] ?? 0) / 200, 10);
    const [lo, hi] = block.interval;
    expect(lo).toBeLessThan(block.observedCanaryShare!);
    expect(hi).toBeGreaterThan(block.observedCanaryShare!);
    expect(lo).toBeLessThan(0.3);
    expect(hi).toBeGreaterThan(0.3);
  });

  it('stops as soon as the sequential test finds the split inconsistent', async () => {
    const port = await gateway(10);
    const block = await sampler(port, { mode: 'banner' }, {
      maxAttempts: 5000,
      concurrency: 8,
      split: { targetShare: 0.5, tolerance: 0.05, confidence: 0.99 },
    }).run();
    expect(block.split).toMatchObject({ decision: 'inconsistent', targetShare: 0.5 });
    expect(block.split!.samples).toBeLessThan(200);
    expect(block.attempted).toBeLessThan(200 + 8);
  });

  it('decides a right split consistent, and the canary is whichever version the caller names', async () => {
    const port = await gateway(0);
    const block = await sampler(port, { mode: 'banner' }, {
      maxAttempts: 5000,
      concurrency: 8,
      canaryVersion: 'v1',
      split: { targetShare: 1, tolerance: 0.05, confidence: 0.99 },
    }).run();
    expect(block.split).toMatchObject({ decision: 'consistent', samples: 90 });
    expect(block.observedCanaryShare).toBe(1);
  });

  it('gives undecided at the sample cap', async () => {
    const port = await gateway(50);
    const block = await sampler(port, { mode: 'banner' }, {
      maxAttempts: 30,
      split: { targetShare: 0.5, tolerance: 0.05, confidence: 0.99 },
    }).run();
    expect(block.split).toMatchObject({ decision: 'undecided', samples: 30 });
  });
});

describe('pacing', () => {
  it('starts connections at the configured rate on the injected clock', async () => {
    const clock = new ManualClock();
    const port = await server({ style: 'tcpshift-echo' });
    const s = sampler(port, { mode: 'banner' }, { clock, ratePerSecond: 10, concurrency: 50, maxAttempts: undefined });
    const controller = new AbortController();
    const run = s.run(controller.signal);
    await waitFor(() => s.block().attempted === 1, 'the first sample');
    await clock.advance(1000);
    await waitFor(() => s.block().attempted === 11, 'ten more samples, one per 100 ms');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.block().attempted).toBe(11);
    controller.abort();
    expect((await run).attempted).toBe(11);
  });

  it('keeps at most `concurrency` attempts in flight', async () => {
    const clock = new ManualClock();
    const proxy = await proxyTo(await server({ style: 'tcpshift-echo' }));
    proxy.setMode('blackhole');
    const s = sampler(proxy.port, { mode: 'banner' }, { clock, concurrency: 3, maxAttempts: 6, replyTimeoutMs: 1000 });
    const run = s.run();
    await waitFor(() => proxy.connections().length === 3, 'three connections');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(proxy.connections()).toHaveLength(3);
    await advanceUntil(clock, () => s.block().attempted === 6, { stepMs: 500, maxMs: 5000 });
    const block = await run;
    expect(block.failuresByKind.timeout).toBe(6);
  });

  it('stops at once when aborted and does not count abandoned attempts', async () => {
    const clock = new ManualClock();
    const proxy = await proxyTo(await server({ style: 'tcpshift-echo' }));
    proxy.setMode('blackhole');
    const controller = new AbortController();
    const run = sampler(proxy.port, { mode: 'banner' }, { clock, maxAttempts: undefined }).run(controller.signal);
    await waitFor(() => proxy.connections().length === 4, 'four connections in flight');
    controller.abort();
    expect(await run).toMatchObject({ attempted: 0, failed: 0 });
    proxy.setMode('pass'); // the proxy now reads the FINs the blackhole held back
    await waitFor(() => proxy.connections().length === 0, 'the abandoned connections to close');
  });
});
