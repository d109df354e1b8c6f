// `tcpshift sandbox up` as a user runs it: bad flags, a real process that stops every child and
// frees every port on SIGTERM, one sandbox per directory, a stale lock taken over.
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processExists } from '../../src/util/process-alive.js';
import type { SandboxInfo } from '../../src/sandbox/index.js';
import { runTcpshift, spawnBin } from '../support/cli.js';
import { waitFor } from '../support/probe-wait.js';
import { openEcho, TestClient } from '../support/sandbox-clients.js';

function childPids(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
}

const isAlive = processExists;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('tcpshift sandbox up', { timeout: 120_000 }, () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-sandbox-cli-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    [['--drain', 'soon'], /--drain: 'soon' is not a duration/],
    [['--port', '70000'], /--port: '70000' is not a whole number in 0\.\.65535/],
    [['--replicas', '-1'], /--replicas: '-1' is not a whole number in 0\.\.20/],
    [['--replicas', '21'], /--replicas/],
    [['--pod-drain-grace', '2 seconds'], /--pod-drain-grace/],
    [['--eds-merge-window', 'soon'], /--eds-merge-window: 'soon' is not a duration/],
    [['--prefixes', 'one'], /--prefixes: 'one' is not STABLE,CANARY/],
    [['--prefixes', 'one,one'], /--prefixes/],
    [['--banner', 'loud'], /--banner: 'loud' is not one of full, none/],
    [['--provider', 'linkerd'], /--provider: 'linkerd' is not one of istio, gateway-api/],
  ])('rejects %j with exit 2, naming the flag, writing nothing', async (flags, message) => {
    const dir = path.join(root, 'never-created');
    const run = await runTcpshift(['sandbox', 'up', '--dir', dir, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(existsSync(dir)).toBe(false);
  });

  it('rejects a --dir that is a file, and unknown flags', async () => {
    const file = path.join(root, 'a-file');
    await writeFile(file, 'x');
    const run = await runTcpshift(['sandbox', 'up', '--dir', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--dir: .*a-file exists and is not a directory/);
    expect((await runTcpshift(['sandbox', 'up', '--replica', '3'])).code).toBe(2);
    expect((await runTcpshift(['sandbox', 'restart'])).code).toBe(2);
  });

  it('runs as a real process, refuses a second one on its dir, and on SIGTERM leaves no process and no port behind', async () => {
    const dir = path.join(root, 'real');
    const child = spawnBin('tcpshift', ['sandbox', 'up', '--dir', dir, '--drain', '1s', '--pod-drain-grace', '30s']);
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await waitFor(() => stdout.includes('Try, from another terminal'), `the sandbox to come up; stderr: ${stderr}`, 60_000);
      const info = JSON.parse(readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as SandboxInfo;
      expect(readFileSync(path.join(dir, 'sandbox.lock'), 'utf8').trim()).toBe(String(child.pid));
      expect(stdout).toContain(`nc 127.0.0.1 ${info.gateway.port}`);
      expect(stdout).toContain(`kubectl --kubeconfig ${info.kubeconfig} get pods`);
      expect(stdout).toContain(`tcpshift shift -f ${path.join(dir, 'shift.yaml')} --kubeconfig ${info.kubeconfig}`);
      const children = childPids(child.pid as number);
      expect(children).toHaveLength(4);
      const echoPorts = [...stdout.matchAll(/pid \d+ {2}127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
      expect(echoPorts).toHaveLength(4);
      const ports = [info.gateway.port, Number(new URL(info.apiServer).port), ...echoPorts];

      const second = await runTcpshift(['sandbox', 'up', '--dir', dir]);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`a sandbox is already running in ${dir} (pid ${child.pid})`);

      // An open connection through the gateway does not hold the shutdown up (30 s pod drain grace).
      const client = await openEcho(info.gateway.port);
      const startedStopping = Date.now();
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(Date.now() - startedStopping).toBeLessThan(15_000);
      expect(stdout).toContain('sandbox stopped');
      await client.ended;
      for (const pid of children) expect(isAlive(pid), `echo pid ${pid}`).toBe(false);
      for (const port of ports) expect(await portIsFree(port), `port ${port}`).toBe(true);
      expect(existsSync(path.join(dir, 'sandbox.lock'))).toBe(false);
      expect(existsSync(path.join(dir, 'sandbox.json'))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('a second Ctrl-C exits at once and still takes every echo process along', async () => {
    const child = spawnBin('tcpshift', ['sandbox', 'up', '--dir', path.join(root, 'twice'), '--replicas', '1', '--pod-drain-grace', '30s']);
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let direct: TestClient | undefined;
    try {
      await waitFor(() => stdout.includes('Try, from another terminal'), 'the sandbox to come up', 60_000);
      const children = childPids(child.pid as number);
      expect(children).toHaveLength(2);
      // A connection straight to a pod keeps it draining for 30 s: the first stop would wait for it.
      const port = Number(/pid \d+ {2}127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
      direct = await TestClient.connect(port);
      child.kill('SIGINT');
      await waitFor(() => stdout.includes('stopping the sandbox'), 'the first stop to begin');
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(130);
      await waitFor(() => children.every((pid) => !isAlive(pid)), 'the echo processes to be gone', 5000);
    } finally {
      direct?.destroy();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('SIGKILL of the sandbox process: its echo processes notice and exit on their own', async () => {
    const child = spawnBin('tcpshift', ['sandbox', 'up', '--dir', path.join(root, 'killed'), '--replicas', '1']);
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = once(child, 'exit');
    try {
      await waitFor(() => stdout.includes('Try, from another terminal'), 'the sandbox to come up', 60_000);
      const children = childPids(child.pid as number);
      expect(children).toHaveLength(2);
      child.kill('SIGKILL');
      await exited;
      await waitFor(() => children.every((pid) => !isAlive(pid)), 'the orphaned echo processes to exit', 10_000);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('takes over the stale lock of a sandbox that is no longer running, and says so', async () => {
    const dir = path.join(root, 'stale');
    const dead = spawnBin('tcpshift', ['--version']);
    await once(dead, 'exit');
    await mkdir(dir);
    await writeFile(path.join(dir, 'sandbox.lock'), `${dead.pid}\n`);
    const stop = new AbortController();
    const running = runTcpshift(['sandbox', 'up', '--dir', dir, '--replicas', '1', '--drain', '1s'], { interrupts: stop.signal });
    await waitFor(() => existsSync(path.join(dir, 'sandbox.json')), 'sandbox.json', 60_000);
    stop.abort();
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`took over the stale lock of pid ${dead.pid}, which is no longer running`);
    expect(existsSync(path.join(dir, 'sandbox.lock'))).toBe(false);
  });
});
