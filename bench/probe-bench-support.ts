// Helpers shared by the prober benchmarks (detection, capacity, newConnections): child processes
// for servers, proxies and measured probers, so each runs on its own event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface NodeChild<T> {
  /** The first JSON line the child printed. */
  info: T;
  child: ChildProcess;
  /** SIGTERM, then wait for exit. */
  stop(): Promise<void>;
}

/** Run bench/<script>.js (compiled) in a new Node process and wait for its first JSON line. */
export function startNodeChild<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<NodeChild<T>> {
  const child = spawn(process.execPath, [...nodeFlags, path.join(here, `${script}.js`), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (d: Buffer): void => {
      buffered += d.toString();
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      child.stdout?.off('data', onData);
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

/** Start the minimal echo server (bench/probe-echo-server.ts) in its own process. */
export function startEchoServer(version = 'v1'): Promise<NodeChild<{ port: number }>> {
  return startNodeChild('probe-echo-server', ['--version', version]);
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
