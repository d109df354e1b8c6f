import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import type { LongLivedBlock, NewConnectionsBlock } from '../../src/probe/index.js';
import { startFaultProxy } from '../../src/sandbox/faults/index.js';
import { systemClock } from '../../src/util/clock.js';
import { runTcpshift, spawnBin } from '../support/cli.js';
import { closedPort, startFakeServer, type FakeServerOptions } from '../support/fake-echo-servers.js';

interface ProbeJson {
  newConnections: NewConnectionsBlock;
  longLived: LongLivedBlock;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: FakeServerOptions = { style: 'tcpshift-echo', version: 'v1' }): Promise<number> {
  const s = await startFakeServer(options);
  cleanups.push(() => s.close());
  return s.port;
}

// Short but generous: a loaded machine must not turn a slow echo into a timeout.
const fast = ['--duration', '1s', '--long-lived', '3', '--heartbeat', '100ms', '--timeout', '1s', '--new-rate', '20'];

describe('tcpshift probe: bad input', () => {
  it.each([
    [[], /required option '--address/],
    [['--address', 'nohost'], /--address: 'nohost' is not HOST:PORT/],
    [['--address', 'h:1', '--duration', '0s'], /--duration: '0s' is not a positive duration/],
    [['--address', 'h:1', '--heartbeat', 'fast'], /--heartbeat: 'fast' is not a positive duration/],
    [['--address', 'h:1', '--timeout', '-1s'], /--timeout: '-1s' is not a positive duration/],
    [['--address', 'h:1', '--duration', '1000000h'], /--duration: '1000000h' is not a positive duration up to 24h/],
    [['--address', 'h:1', '--heartbeat', `${'9'.repeat(400)}ms`], /--heartbeat: '9{400}ms' is not a positive duration up to 1h/],
    [['--address', 'h:1', '--identify', 'regex:(?<version>\\w)\\1'], /--identify: identify.pattern: .*no backreferences or lookaround/],
    [['--address', 'h:1', '--long-lived', '-1'], /--long-lived: '-1' is not a whole number/],
    [['--address', 'h:1', '--long-lived', '2.5'], /--long-lived: '2.5' is not a whole number/],
    [['--address', 'h:1', '--new-rate', 'lots'], /--new-rate: 'lots' is not a number >= 0/],
    [['--address', 'h:1', '--identify', 'prefix:one'], /--identify: 'prefix:one' is not prefix:STABLE,CANARY/],
    [['--address', 'h:1', '--identify', 'regex:(x)'], /--identify: identify.pattern: must contain a named group `version`/],
    [['--address', 'h:1', '-o', 'yaml'], /-o\/--output: 'yaml' is not text or json/],
    [['--address', 'h:1', '--long-lived', '0', '--new-rate', '0'], /nothing to probe/],
  ])('%j', async (args, message) => {
    const run = await runTcpshift(['probe', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});

describe('tcpshift probe', () => {
  it('prints examples in --help', async () => {
    const run = await runTcpshift(['probe', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('--identify prefix:one,two');
  });

  it('-o json prints only the newConnections and longLived blocks, exit 0 when healthy', async () => {
    const port = await server();
    const run = await runTcpshift(['probe', '--address', `127.0.0.1:${port}`, ...fast, '-o', 'json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as ProbeJson;
    expect(Object.keys(json).sort()).toEqual(['longLived', 'newConnections']);
    expect(json.newConnections.failed).toBe(0);
    expect(json.newConnections.succeeded).toBeGreaterThanOrEqual(5);
    expect(Object.keys(json.newConnections.byVersion)).toEqual(['v1']);
    expect(json.newConnections).toMatchObject({ canaryVersion: 'v2', observedCanaryShare: 0 });
    expect(json.newConnections.connectMs.p50).toBeTypeOf('number');
    expect(json.longLived.open).toBe(3);
    expect(json.longLived.heartbeats).toBeGreaterThan(0);
    expect(json.longLived.connections).toHaveLength(3);
    for (const c of json.longLived.connections) {
      expect(c).toMatchObject({ version: 'v1', endedAt: null, end: null });
      expect(c.openedAt).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(run.stderr).toContain('probing 127.0.0.1:');
  });

  it('keys byVersion by the prefix itself in prefix mode', async () => {
    const port = await server({ style: 'istio-tcp-echo', prefix: 'two' });
    const run = await runTcpshift(['probe', '--address', `127.0.0.1:${port}`, ...fast, '--identify', 'prefix:one,two', '-o', 'json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as ProbeJson;
    expect(Object.keys(json.newConnections.byVersion)).toEqual(['two']);
    expect(json.newConnections.observedCanaryShare).toBe(1);
    expect(json.longLived.connections.every((c) => c.version === 'two')).toBe(true);
  });

  it('exits 3 and reports the silent death when the path is blackholed mid-probe', async () => {
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: await server() } });
    cleanups.push(() => proxy.close());
    const blackhole = setTimeout(() => proxy.setMode('blackhole'), 400);
    const run = await runTcpshift(['probe', '--address', `127.0.0.1:${proxy.port}`, ...fast, '--timeout', '300ms', '--duration', '2s']);
    clearTimeout(blackhole);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/connection \d \(v1\) ended: timeout/);
    expect(run.stdout).toMatch(/ends: \d+ timeout/);
    expect(run.stdout).toContain('BREAKAGE SEEN');
  });

  it('exits 3 when nothing answers', async () => {
    const run = await runTcpshift(['probe', '--address', `127.0.0.1:${await closedPort()}`, ...fast, '--duration', '300ms', '-o', 'json']);
    expect(run.code).toBe(3);
    const json = JSON.parse(run.stdout) as ProbeJson;
    expect(json.longLived.ends.refused).toBeGreaterThanOrEqual(3);
    expect(json.newConnections.failuresByKind.refused).toBeGreaterThan(0);
  });

  it('ends early on an interrupt and still reports', async () => {
    const port = await server();
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(new Error('interrupted by SIGINT')), 300);
    const started = Date.now();
    const run = await runTcpshift(['probe', '--address', `127.0.0.1:${port}`, ...fast, '--duration', '1m', '-o', 'json'], {
      interrupts: interrupt.signal,
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/interrupted after \d+\.\ds/);
    expect((JSON.parse(run.stdout) as ProbeJson).longLived.open).toBe(3);
  });

  it('redraws a live status line on a TTY', async () => {
    const port = await server();
    const stdout = Object.assign(new PassThrough(), { isTTY: true });
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await runCli(['probe', '--address', `127.0.0.1:${port}`, ...fast, '--duration', '2500ms'], {
      stdout,
      stderr: new PassThrough(),
      env: {},
      clock: systemClock,
      interrupts: new AbortController().signal,
    });
    expect(code).toBe(0);
    expect(out).toContain('\r\u001b[2K');
    expect(out).toMatch(/\d+\.\ds long-lived 3\/3 open/);
    expect(out).toContain('healthy: no breakage seen');
  });

  it('a real process stops on SIGINT and prints its JSON', async () => {
    const port = await server();
    const child = spawnBin('tcpshift', ['probe', '--address', `127.0.0.1:${port}`, ...fast, '--duration', '1m', '-o', 'json']);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('probing')) resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('interrupted after');
    const json = JSON.parse(stdout) as ProbeJson;
    expect(json.longLived.open).toBe(3);
    expect(json.newConnections.succeeded).toBeGreaterThan(0);
  });
});
