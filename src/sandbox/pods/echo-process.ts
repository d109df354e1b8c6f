import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { formatDuration } from '../../util/duration.js';
import type { Logger } from '../../util/logger.js';
import { packagePath } from '../../util/package-root.js';

/**
 * A real `tcpshift-echo` child process on loopback. Its first stdout record (`listening`, JSON)
 * gives the ports; stdout and stderr keep being read for the whole life of the process (a full
 * pipe would block the child's writes and stall its event loop).
 */
export interface EchoProcessOptions {
  pod: string;
  /** Flags from the pod template (`--version v1`, `--prefix one`, ...). */
  args: readonly string[];
  /** `--drain-grace`: how long it keeps echoing after SIGTERM. */
  drainGraceMs: number;
  logger: Logger;
  /** How long to wait for the `listening` record. Default 15 s. */
  startTimeoutMs?: number;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EchoProcess {
  readonly pid: number;
  readonly port: number;
  readonly healthPort: number;
  /** Resolves when the process has exited (and its pipes are closed). */
  readonly exited: Promise<ProcessExit>;
  readonly hasExited: boolean;
  /** Send a signal if it is still running. */
  signal(signal: NodeJS.Signals): void;
}

interface ListeningRecord {
  msg?: string;
  ports?: number[];
  healthPort?: number;
  level?: number;
}

export function echoBinary(): string {
  return packagePath('dist', 'cmd', 'tcpshift-echo.js');
}

export function echoArgs(options: Pick<EchoProcessOptions, 'pod' | 'args' | 'drainGraceMs'>): string[] {
  return [
    '--host', '127.0.0.1', '--port', '0', '--health-port', '0', '--log-format', 'json', '--pod', options.pod,
    '--drain-grace', formatDuration(options.drainGraceMs),
    // If the sandbox is SIGKILLed (no chance to stop its pods), the pods stop themselves.
    '--parent-pid', String(process.pid),
    ...options.args,
  ];
}

class RunningEcho implements EchoProcess {
  hasExited = false;
  readonly exited: Promise<ProcessExit>;

  constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly healthPort: number,
    exited: Promise<ProcessExit>,
  ) {
    this.exited = exited.then((exit) => {
      this.hasExited = true;
      return exit;
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.hasExited && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Spawn the echo server and wait for its `listening` record. */
export function spawnEchoProcess(options: EchoProcessOptions): Promise<EchoProcess> {
  const child = spawn(process.execPath, [echoBinary(), ...echoArgs(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = options.logger.child({ pod: options.pod });
  const exited = new Promise<ProcessExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    if (stderr.length < 4096) stderr += `${line}\n`;
    log.warn('echo process stderr', { line });
  });
  return new Promise<EchoProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tcpshift-echo for pod ${options.pod} did not report listening within ${options.startTimeoutMs ?? 15_000} ms`));
    }, options.startTimeoutMs ?? 15_000);
    let started = false;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (started) {
        forwardRecord(line, log);
        return;
      }
      const record = parseRecord(line);
      if (record?.msg !== 'listening' || !record.ports?.[0] || !record.healthPort) return;
      started = true;
      clearTimeout(timer);
      resolve(new RunningEcho(child, record.ports[0], record.healthPort, exited));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start tcpshift-echo for pod ${options.pod}: ${error.message}`));
    });
    void exited.then((exit) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`tcpshift-echo for pod ${options.pod} exited (${exit.code ?? exit.signal ?? ''}) before listening: ${stderr.trim()}`));
    });
  });
}

function parseRecord(line: string): ListeningRecord | undefined {
  try {
    return JSON.parse(line) as ListeningRecord;
  } catch {
    return undefined;
  }
}

/** Connection records (info) are dropped; warnings and errors of the echo server are kept. */
function forwardRecord(line: string, log: Logger): void {
  if (line.includes('"level":30') || line.includes('"level":20')) return;
  const record = parseRecord(line);
  if (record && (record.level ?? 0) >= 40) log.warn('echo process', { record });
}
