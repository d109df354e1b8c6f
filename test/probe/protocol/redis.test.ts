// Protocol probes against a real redis-server (Debian's redis-server package): the redis preset
// heart-beats long-lived connections with PING/+PONG, new connections are identified by a command
// and a regex, a stopped server is a timeout within heartbeat + timeout, a killed one a reset or
// close, and a script whose expect does not match what Redis answers ends corrupt with the bytes.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LongLivedPool, type LongLivedPoolOptions } from '../../../src/probe/index.js';
import type { ProbeProtocol } from '../../../src/spec/probe-protocol.js';
import { LightProber } from '../../../src/controller/light-prober.js';
import { checkProbeIdentity } from '../../../src/shift/preflight/index.js';
import { parseTCPShiftObject } from '../../../src/spec/parse-tcpshift.js';
import type { ResolvedSpec } from '../../../src/spec/resolved-shift.js';
import { systemClock } from '../../../src/util/clock.js';
import { ManualClock } from '../../../src/util/manual-clock.js';
import { exampleObject, withChanges } from '../../spec/examples.js';
import { testSampler } from '../../support/probe-sampler.js';
import { advanceUntil } from '../../support/probe-wait.js';
import { startRealServer, type RealServer } from '../../support/real-server.js';
import { programOrSkip } from '../../support/require-program.js';
import { stopThenKill } from '../../support/stop-and-kill.js';

const redisServer = programOrSkip('redis-server');
const HEARTBEAT_MS = 1000;
const TIMEOUT_MS = 3000;
const IDENTIFY_BY_KEY = { protocol: { name: 'redis', command: 'GET release' } as ProbeProtocol, identify: { mode: 'regex' as const, pattern: '(?<version>v[0-9]+)' } };

describe.skipIf(!redisServer)('probes speaking RESP to redis-server', () => {
  let redis: RealServer;
  const pools: LongLivedPool[] = [];

  beforeAll(async () => {
    redis = await startRealServer(redisServer as string, (port) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    // The version a test deployment would seed per pod (the sandbox's Redis v1/v2 pair does so).
    execFileSync('redis-cli', ['-p', String(redis.port), 'SET', 'release', 'v1']);
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.stop()));
    await redis.stop();
  });

  function spec(probe: Record<string, unknown>): ResolvedSpec {
    const result = parseTCPShiftObject(withChanges(exampleObject('shift.yaml'), { 'spec.probe.address': `127.0.0.1:${redis.port}`, 'spec.probe.longLived.timeout': '1s', 'spec.probe.longLived.heartbeat': '500ms', ...probe }));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.shift.spec;
  }

  function pool(clock: ManualClock, overrides: Partial<LongLivedPoolOptions> = {}): LongLivedPool {
    const p = new LongLivedPool({ address: { host: '127.0.0.1', port: redis.port }, ...IDENTIFY_BY_KEY, connections: 3, heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS, clock, ...overrides });
    pools.push(p);
    return p;
  }

  it('identifies new connections by GET release and a regex', async () => {
    const block = await testSampler(redis.port, IDENTIFY_BY_KEY.identify, { protocol: IDENTIFY_BY_KEY.protocol, maxAttempts: 6 }).run();
    expect(block).toMatchObject({ attempted: 6, failed: 0, byVersion: { v1: 6 } });
  });

  it('ends corrupt when the answer does not hold the version (the pattern is the opening expect)', async () => {
    const block = await testSampler(redis.port, { mode: 'regex', pattern: 'redis_version:(?<version>\\S+)' }, { protocol: { name: 'redis', command: 'GET release' }, maxAttempts: 2, replyTimeoutMs: 300 }).run();
    expect(block.failuresByKind).toMatchObject({ corrupt: 2 });
  });

  it('reports an expect Redis does not satisfy as corrupt, with the bytes escaped', async () => {
    const clock = new ManualClock();
    const script: ProbeProtocol = { name: 'script', open: [{ send: 'PING\\r\\n' }, { expect: '\\+PONG\\r\\n' }], heartbeat: [{ send: 'PING\\r\\n' }, { expect: '\\+PANG' }], close: [] };
    const p = pool(clock, { protocol: script, identify: { mode: 'banner' }, connections: 1 });
    void p.start();
    await advanceUntil(clock, () => p.ends().length === 1, { stepMs: 100, maxMs: 2 * (HEARTBEAT_MS + TIMEOUT_MS) });
    expect(p.ends()[0]).toMatchObject({ end: 'corrupt', peerExcerpt: 'peer bytes (7, escaped): "+PONG\\r\\n"' });
    expect(p.ends()[0]?.detail).toMatch(/7 bytes received in 3000ms do not satisfy the script heartbeat step 2 \(expect \/\\\+PANG\/\)/);
  });

  describe('pre-flight (the opening script against the stable version)', () => {
    const check = (s: ResolvedSpec): Promise<void> => checkProbeIdentity(s, systemClock, { stableOnly: true, passed: [] });

    it('passes when every opening names the stable version', async () => {
      await expect(check(spec({ 'spec.probe.protocol': IDENTIFY_BY_KEY.protocol, 'spec.probe.identify': IDENTIFY_BY_KEY.identify }))).resolves.toBeUndefined();
    });

    it('explains a mismatch by the shape of the answer, never its content (an INFO answer holds addresses and names)', async () => {
      const error = await check(spec({ 'spec.probe.protocol': { name: 'redis', command: 'INFO server' }, 'spec.probe.identify': { mode: 'regex', pattern: 'no_such_field:(?<version>\\S+)' } })).catch((e: unknown) => e);
      expect(error).toMatchObject({ reason: 'ProbeProtocolMismatch', field: 'spec.probe.protocol' });
      expect(String(error)).toMatch(/bytes received in 1000ms do not satisfy the redis opening step 2 \(expect \/no_such_field:\(\?<version>\\S\+\)\/\); it sent \d+ bytes in \d+ line\(s\) of .*: a RESP bulk string/);
      expect(String(error)).not.toMatch(/redis_version|os:|executable|config_file/);
    });

    it('names a Redis error by its code word, not its text', async () => {
      execFileSync('redis-cli', ['-p', String(redis.port), 'CONFIG', 'SET', 'requirepass', 's3cret-in-config']);
      try {
        const error = await check(spec({ 'spec.probe.protocol': IDENTIFY_BY_KEY.protocol, 'spec.probe.identify': IDENTIFY_BY_KEY.identify })).catch((e: unknown) => e);
        expect(String(error)).toMatch(/it sent \d+ bytes in 1 line\(s\) of \d+ bytes: a RESP error \(NOAUTH\)/);
        expect(String(error)).not.toMatch(/Authentication required|s3cret/);
      } finally {
        execFileSync('redis-cli', ['-p', String(redis.port), '-a', 's3cret-in-config', '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '']);
      }
    });
  });

  it("the controller's light prober runs the protocol's opening: passes on Redis, fails on an answer it does not expect", async () => {
    const lightBlock = async (probe: Record<string, unknown>): Promise<unknown> => {
      const prober = new LightProber(spec(probe), systemClock);
      await prober.start();
      const done = new Promise<void>((resolve) => prober.onChange(() => { if (prober.status().observation.samplingDone) resolve(); }));
      prober.startSampling({ stepIndex: 0, targetShare: 0.1 });
      await done;
      await prober.stop();
      return prober.status().observation.newConnections;
    };
    expect(await lightBlock({ 'spec.probe.protocol': IDENTIFY_BY_KEY.protocol, 'spec.probe.identify': IDENTIFY_BY_KEY.identify })).toMatchObject({ attempted: 1, succeeded: 1 });
    const helloScript = { name: 'script', open: [{ send: 'PING\\r\\n' }, { expect: '^(?<version>HELLO \\S+)' }], heartbeat: [{ send: 'PING\\r\\n' }, { expect: '\\+PONG' }] };
    expect(await lightBlock({ 'spec.probe.protocol': helloScript })).toMatchObject({ attempted: 1, failed: 1, failuresByKind: { corrupt: 1 } });
  });

  // Last: it kills the server.
  it('heart-beats long-lived connections for several periods, sees SIGSTOP as timeout within heartbeat + timeout and SIGKILL as reset or closed', async () => {
    const clock = new ManualClock();
    const { versions, stopped } = await stopThenKill(redis, { clock, pool: () => pool(clock), connections: 3, heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS, periods: 3 });
    expect(versions).toEqual(['v1', 'v1', 'v1']);
    for (const end of stopped) expect(end.detail).toMatch(/nothing received within 3000ms for the redis heartbeat step 2 \(expect \/\\\+PONG\\r\\n\/\)/);
  });
});
