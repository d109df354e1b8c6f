// `tcpshift probe --protocol ...`: the flags' mistakes are exit 2 naming the flag (in process),
// and one real CLI process heart-beats and identifies a real redis-server with -o json.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/cli/probe.js';
import { execBin, runTcpshift, type CliRun } from '../support/cli.js';
import { startRealServer, type RealServer } from '../support/real-server.js';
import { programOrSkip } from '../support/require-program.js';

const inProcess = (args: string[]): Promise<CliRun> => runTcpshift(['probe', ...args]);

describe('tcpshift probe --protocol: bad input', () => {
  it.each([
    [['--protocol', 'http'], /--protocol: 'http' is not one of echo, script, redis, mqtt, ssh, postgres/],
    [['--protocol', 'ssh', '--long-lived', '3'], /--long-lived: probe.longLived.connections must be 0 with protocol ssh: sshd closes .*LoginGraceTime/],
    [['--protocol', 'postgres', '--long-lived', '1'], /--long-lived: .*authentication_timeout/],
    [['--command', 'INFO server'], /--command: only with --protocol redis/],
    [['--protocol', 'script'], /--script FILE goes with --protocol script/],
    [['--protocol', 'redis', '--identify', 'regex:v(?<version>\\d+)'], /--protocol: probe.protocol.command is required with identify mode regex/],
    [['--protocol', 'redis', '--command', 'GET\tx'], /--protocol: command: must be a Redis command/],
    [['--identify', 'certificate:subject.CN'], /--identify: probe.identify.mode certificate needs probe.tls/],
    [['--identify', 'certificate:CN'], /--identify: 'certificate:CN' is not certificate:subject.CN or certificate:SAN/],
    [['--tls-ca', '/nonexistent/ca.pem'], /--tls-ca \/nonexistent\/ca.pem: cannot read the file/],
  ])('%j', async (args, message) => {
    const run = await inProcess(['--address', '127.0.0.1:1', ...args]);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

const redisServer = programOrSkip('redis-server');

describe.skipIf(!redisServer)('tcpshift probe --protocol redis (a real process against redis-server)', () => {
  let redis: RealServer;
  beforeAll(async () => {
    redis = await startRealServer(redisServer as string, (port) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    execFileSync('redis-cli', ['-p', String(redis.port), 'SET', 'release', 'v1']);
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('heart-beats and identifies, printing only the blocks with -o json', async () => {
    const run = await execBin('tcpshift', ['probe', '--address', `127.0.0.1:${redis.port}`, '--protocol', 'redis', '--command', 'GET release', '--identify', 'regex:(?<version>v[0-9]+)', '--canary', 'v2', '--duration', '1s', '--long-lived', '3', '--heartbeat', '200ms', '--timeout', '2s', '--new-rate', '10', '-o', 'json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as ProbeResult;
    expect(result.longLived.ends).toMatchObject({ closed: 0, reset: 0, timeout: 0, corrupt: 0 });
    expect(result.longLived.heartbeats).toBeGreaterThanOrEqual(3);
    expect(result.newConnections.failed).toBe(0);
    expect(Object.keys(result.newConnections.byVersion)).toEqual(['v1']);
  });

  it('shows the protocol examples in --help', async () => {
    const run = await inProcess(['--help']);
    expect(run.stdout).toMatch(/--protocol redis --command 'GET release'/);
  });
});
