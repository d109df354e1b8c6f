import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import { systemClock, type Clock } from '../../src/util/clock.js';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Path of a built binary: bin('tcpshift') -> dist/cmd/tcpshift.js. */
export function bin(name: 'tcpshift' | 'tcpshift-echo'): string {
  return path.join(repoRoot, 'dist', 'cmd', `${name}.js`);
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the tcpshift CLI in this process, capturing its output. */
export async function runTcpshift(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; clock?: Clock; interrupts?: AbortSignal; input?: string } = {},
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(argv, {
    stdout,
    stderr,
    env: options.env ?? {},
    clock: options.clock ?? systemClock,
    interrupts: options.interrupts ?? new AbortController().signal,
    stdin: Readable.from([options.input ?? '']),
  });
  return { code, stdout: out, stderr: err };
}

/** Spawn a built binary as a real process. */
export function spawnBin(
  name: 'tcpshift' | 'tcpshift-echo',
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ChildProcess {
  return spawn(process.execPath, [bin(name), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Run a built binary to completion. */
export function execBin(
  name: 'tcpshift' | 'tcpshift-echo',
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawnBin(name, args, options);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} ${args.join(' ')} timed out; stderr: ${err}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: out, stderr: err });
    });
    child.stdin?.end(options.input ?? '');
  });
}
