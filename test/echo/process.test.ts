import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { execBin, spawnBin } from '../support/cli.js';
import { connectError, EchoProcess, eventually, httpGet, TestClient } from './support.js';

// The real binary (dist/cmd/tcpshift-echo.js), real sockets, real signals.
const processes: EchoProcess[] = [];
const clients: TestClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  for (const p of processes.splice(0)) p.kill();
});

async function startEcho(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = await EchoProcess.start(args, env);
  processes.push(started.proc);
  return started;
}

async function connect(port: number): Promise<TestClient> {
  const client = await TestClient.withBanner(port);
  clients.push(client);
  return client;
}

async function readiness(healthPort: number): Promise<number> {
  return (await httpGet(healthPort, '/readyz')).status;
}

describe('tcpshift-echo process', () => {
  it('logs the bound ports first, as JSON, and takes VERSION/POD_NAME/PREFIX from the environment', async () => {
    const { proc, ports, healthPort } = await startEcho(['--port', '0,0', '--udp'], { VERSION: 'v7', POD_NAME: 'echo-v7-abc', PREFIX: 'seven' });
    expect(proc.records[0]).toMatchObject({ msg: 'listening', version: 'v7', pod: 'echo-v7-abc', udp: true });
    expect(ports).toHaveLength(2);
    expect(ports.every((p) => p > 0)).toBe(true);
    expect(await readiness(healthPort)).toBe(200);
    const client = await TestClient.connect(ports[1]!);
    clients.push(client);
    client.write('hi\n');
    const text = await client.waitForText((t) => t.endsWith('seven hi\n'));
    expect(text).toContain('Version: v7 (echo-v7-abc)\n');
  });

  it("is a drop-in for Istio's tcp-echo-server: `<ports> <prefix>`, no banner, `<prefix> <line>`; --ephemeral-ports maps each asked port to a free one", async () => {
    const proc = new EchoProcess(spawnBin('tcpshift-echo', ['--ephemeral-ports', '--log-format', 'json', '9000,9001', 'one']));
    processes.push(proc);
    const listening = await proc.waitForRecord((r) => r.msg === 'listening');
    expect(listening).toMatchObject({ requestedPorts: [9000, 9001], healthPort: null, version: 'one' });
    const ports = listening.ports as number[];
    expect(ports).toHaveLength(2);
    expect(ports).not.toContain(9000);
    for (const port of ports) {
      const client = await TestClient.connect(port);
      clients.push(client);
      client.write('hello\npartial');
      // the first bytes are the answer: no banner
      expect(await client.waitForText((t) => t.includes('\n'))).toBe('one hello\n');
    }
  });

  it("refuses a wrong number of Istio-style arguments, or arguments and --port together, with exit 2", async () => {
    for (const args of [['9000'], ['9000', 'one', 'two'], ['--port', '9000', '9001', 'one']]) {
      const run = await execBin('tcpshift-echo', args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/argument/);
    }
  });

  it('SIGTERM: 503 at once, new connections refused, echo during the grace, FIN after it, exit 0', async () => {
    const graceMs = 2000;
    const { proc, ports, healthPort } = await startEcho(['--version', 'v2', '--drain-grace', `${graceMs}ms`]);
    const client = await connect(ports[0]!);
    expect(await readiness(healthPort)).toBe(200);
    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    await eventually(async () => (await readiness(healthPort)) === 503, 3000, '/readyz 503');
    expect(Date.now() - signalledAt).toBeLessThan(graceMs);
    expect(await connectError(ports[0]!)).toBe('ECONNREFUSED');
    client.write('still echoing\n');
    await client.waitForText((t) => t.endsWith('still echoing\n'));
    expect(Date.now() - signalledAt).toBeLessThan(graceMs);
    expect(await client.ended).toBe('fin');
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(graceMs - 100);
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.records.find((r) => r.msg === 'connection closed')).toMatchObject({ reason: 'drained', version: 'v2', bytesIn: 14 });
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('a second signal (%s) during the drain closes everything at once', async (second, code) => {
    const { proc, ports, healthPort } = await startEcho(['--version', 'v2', '--drain-grace', '30s']);
    const client = await connect(ports[0]!);
    proc.child.kill('SIGTERM');
    await eventually(async () => (await readiness(healthPort)) === 503, 3000, '/readyz 503');
    const secondAt = Date.now();
    proc.child.kill(second);
    expect(await proc.exited).toEqual({ code, signal: null });
    expect(['fin', 'reset', 'closed']).toContain(await client.ended);
    expect(Date.now() - secondAt).toBeLessThan(10_000);
  });

  it('--parent-pid: closes everything and exits once that process is gone (a SIGKILLed supervisor)', async () => {
    const supervisor = spawn('sleep', ['60'], { stdio: 'ignore' });
    const { proc, ports } = await startEcho(['--port', '0', '--health-port', '0', '--log-format', 'json', '--version', 'v1', '--parent-pid', String(supervisor.pid)]);
    const client = await connect(ports[0]!);
    supervisor.kill('SIGKILL');
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(['fin', 'reset', 'closed']).toContain(await client.ended);
    expect(proc.records.some((r) => r.msg === 'stopping' && String(r.cause).includes('is gone'))).toBe(true);
  });

  it('writes readable text lines by default, and exits 0 on SIGTERM with no connection open', async () => {
    const child = spawnBin('tcpshift-echo', ['--port', '0', '--health-port', '0', '--version', 'v1', '--pod', 'p-1']);
    const proc = new EchoProcess(child, 'text');
    processes.push(proc);
    const first = await proc.nextLine();
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\S+Z INFO listening ports=\[\d+\] healthPort=\d+ version=v1 pod=p-1 udp=false$/);
    child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  });
});

describe('tcpshift-echo usage errors', () => {
  it.each([
    [['--port', 'abc', '--version', 'v1'], /--port: 'abc' is not/],
    [['--banner', 'maybe', '--version', 'v1'], /--banner: 'maybe' is not one of full, none/],
    [['--idle-timeout', 'x', '--version', 'v1'], /--idle-timeout: 'x' is not/],
    [['--port', '0'], /--version \(or VERSION\) is required/],
  ])('%j exits 2 naming the flag, writing nothing on stdout', async (args, message) => {
    const run = await execBin('tcpshift-echo', args, { env: { VERSION: '', PORT: '' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('--help shows examples, including the socat and tcp-echo equivalents', async () => {
    const run = await execBin('tcpshift-echo', ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('socat TCP-LISTEN:9000,fork,reuseaddr EXEC:cat');
    expect(run.stdout).toContain('tcp-echo');
    expect(run.stdout).toContain('NC_MAX_IDLE');
  });
});
