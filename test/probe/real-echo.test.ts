// The prober against the real tcpshift-echo (src/echo), in its banner, prefix and bare forms.
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer, type EchoServerOptions } from '../../src/echo/index.js';
import { LongLivedPool, type IdentifyConfig } from '../../src/probe/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { testSampler } from '../support/probe-sampler.js';
import { waitFor } from '../support/probe-wait.js';

const servers: EchoServer[] = [];
const pools: LongLivedPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function echo(options: Partial<EchoServerOptions> = {}): Promise<EchoServer> {
  const server = await startEchoServer({ version: 'v2', pod: 'echo-v2-7d9f', ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger, ...options });
  servers.push(server);
  return server;
}

async function sample(port: number, identify: IdentifyConfig): Promise<Record<string, number>> {
  const block = await testSampler(port, identify, { maxAttempts: 8 }).run();
  expect(block.failed).toBe(0);
  return block.byVersion;
}

describe('prober against tcpshift-echo', () => {
  it('identifies the version from the banner', async () => {
    const server = await echo();
    expect(await sample(server.ports[0]!, { mode: 'banner' })).toEqual({ v2: 8 });
  });

  it('identifies the prefix, with and without a banner', async () => {
    const withBanner = await echo({ prefix: 'two' });
    const bare = await echo({ prefix: 'one', banner: 'none' });
    const identify: IdentifyConfig = { mode: 'prefix', stable: 'one', canary: 'two' };
    expect(await sample(withBanner.ports[0]!, identify)).toEqual({ two: 8 });
    expect(await sample(bare.ports[0]!, identify)).toEqual({ one: 8 });
  });

  it('identifies by regex over the banner', async () => {
    const server = await echo();
    expect(await sample(server.ports[0]!, { mode: 'regex', pattern: '^Version: \\S+ \\((?<version>[^)]+)\\)' })).toEqual({ 'echo-v2-7d9f': 8 });
  });

  it('heart-beats long-lived connections and calls the server drain `drained` inside an announced window', async () => {
    const clock = new ManualClock();
    const server = await echo();
    const pool = new LongLivedPool({
      address: { host: '127.0.0.1', port: server.ports[0]! },
      identify: { mode: 'banner' },
      connections: 3,
      heartbeatMs: 1000,
      timeoutMs: 2000,
      clock,
    });
    pools.push(pool);
    await pool.start();
    await clock.advance(1000);
    await waitFor(() => pool.heartbeatCounts().echoed === 3, 'three heartbeats echoed');
    pool.announceWeightChange(clock.now(), 45_000);
    await server.drain(0);
    await waitFor(() => pool.ends().length === 3, 'three ends');
    expect(pool.ends().map((e) => [e.version, e.end])).toEqual([['v2', 'drained'], ['v2', 'drained'], ['v2', 'drained']]);
  });
});
