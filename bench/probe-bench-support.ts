// Helpers shared by the prober benchmarks (detection, capacity, newConnections): child processes
// for the echo server (the real tcpshift-echo), the proxy and measured probers, so each runs on
// its own event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NewConnectionSampler, type NewConnectionsBlock } from '../src/probe/index.js';
import { systemClock } from '../src/util/clock.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface NodeChild<T> {
  /** The first JSON line the child printed. */
  info: T;
  child: ChildProcess;
  /** SIGTERM, then wait for exit. */
  stop(): Promise<void>;
}

/**
 * Run a compiled script (bench/<script>.js, or a path) in a new Node process and wait for its
 * first JSON line on stdout; later output is read and dropped so the child never blocks on it.
 */
export function startNodeChild<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<NodeChild<T>> {
  const file = path.isAbsolute(script) ? script : path.join(here, `${script}.js`);
  const child = spawn(process.execPath, [...nodeFlags, file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (d: Buffer): void => {
      buffered += d.toString();
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      try {
        const info = JSON.parse(buffered.slice(0, newline)) as T;
        resolve({
          info,
          child,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      } catch (err) {
        child.kill('SIGKILL');
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before reporting`)));
  });
}

/** Start tcpshift-echo (banner, verbatim echo) in its own process; its first log line names the port. */
export async function startEchoServer(version = 'v1'): Promise<NodeChild<{ port: number }>> {
  const echo = await startNodeChild<{ ports: number[] }>(
    path.join(here, '..', 'cmd', 'tcpshift-echo.js'),
    ['--port', '0', '--version', version, '--pod', `bench-${version}`, '--health-port', '0', '--drain-grace', '0s', '--log-format', 'json'],
  );
  return { ...echo, info: { port: echo.info.ports[0] as number } };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll until condition holds or timeoutMs passes; returns whether it held. */
export async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** `attempts` new connections, 64 at a time, as fast as they complete (banner identification). */
export async function sampleAtFullSpeed(address: { host: string; port: number }, attempts: number): Promise<{ block: NewConnectionsBlock; perSecond: number; seconds: number }> {
  const sampler = new NewConnectionSampler({
    address,
    identify: { mode: 'banner' },
    clock: systemClock,
    ratePerSecond: 0,
    concurrency: 64,
    connectTimeoutMs: 5000,
    replyTimeoutMs: 5000,
    maxAttempts: attempts,
  });
  const started = performance.now();
  const block = await sampler.run();
  const seconds = (performance.now() - started) / 1000;
  return { block, perSecond: Math.round(block.succeeded / seconds), seconds };
}
