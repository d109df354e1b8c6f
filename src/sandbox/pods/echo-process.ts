import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { formatDuration } from '../../util/duration.js';
import type { Logger } from '../../util/logger.js';
import { packagePath } from '../../util/package-root.js';
import { ChildContainer, ContainerStartError, exitOf, OutputTail, type ContainerProcess, type ListeningPorts } from './container-process.js';

/**
 * A real `tcpshift-echo` child process on loopback. Its first stdout record (`listening`, JSON)
 * gives the ports; stdout and stderr keep being read for the whole life of the process (a full
 * pipe would block the child's writes and stall its event loop).
 */
export interface EchoProcessOptions {
  pod: string;
  /** The container's arguments (`--version v1`, or Istio's `9000,9001 one`). */
  args: readonly string[];
  /** The container's environment (the kubelet's resolution of env/envFrom). */
  env: Readonly<Record<string, string>>;
  /** `--drain-grace`: how long it keeps echoing after SIGTERM (the container's own flag wins). */
  drainGraceMs: number;
  logger: Logger;
  /** How long to wait for the `listening` record. Default 15 s. */
  startTimeoutMs?: number;
}

/** A started tcpshift-echo: readiness is its /readyz on the health port. */
export type EchoProcess = ContainerProcess;

interface ListeningRecord {
  msg?: string;
  ports?: number[];
  healthPort?: number | null;
  requestedPorts?: number[];
  requestedHealthPort?: number | null;
  level?: number;
}

export function echoBinary(): string {
  return packagePath('dist', 'cmd', 'tcpshift-echo.js');
}

/** The kubelet's flags first, then the container's arguments (later flags win, so the container's own --drain-grace does). */
export function echoArgs(options: Pick<EchoProcessOptions, 'pod' | 'args' | 'drainGraceMs'>): string[] {
  return [
    '--host', '127.0.0.1', '--ephemeral-ports', '--health-port', '0', '--log-format', 'json', '--pod', options.pod,
    '--drain-grace', formatDuration(options.drainGraceMs),
    // If the sandbox is SIGKILLed (no chance to stop its pods), the pods stop themselves.
    '--parent-pid', String(process.pid),
    ...options.args,
  ];
}

/** A container sees only its own environment (and PATH, HOSTNAME as in a container). */
function childEnv(options: EchoProcessOptions): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOSTNAME: options.pod, ...options.env };
}

function listeningPorts(record: ListeningRecord): ListeningPorts {
  const healthPort = record.healthPort ?? undefined;
  return { ports: portMap(record), port: record.ports?.[0] ?? 0, readiness: healthPort === undefined ? undefined : { kind: 'httpGet', port: healthPort } };
}

function portMap(record: ListeningRecord): Record<number, number> {
  const map: Record<number, number> = {};
  (record.requestedPorts ?? []).forEach((asked, i) => {
    const bound = record.ports?.[i];
    if (asked !== 0 && bound) map[asked] = bound;
  });
  if (record.requestedHealthPort && record.healthPort) map[record.requestedHealthPort] = record.healthPort;
  return map;
}

/** Spawn the echo server and wait for its `listening` record; a ContainerStartError when it exits first. */
export function spawnEchoProcess(options: EchoProcessOptions): Promise<EchoProcess> {
  const child = spawn(process.execPath, [echoBinary(), ...echoArgs(options)], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(options) });
  const log = options.logger.child({ pod: options.pod });
  const exited = exitOf(child);
  const tail = new OutputTail();
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    tail.add(line);
    log.warn('echo process stderr', { line });
  });
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  return new Promise<EchoProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ContainerStartError(`tcpshift-echo for pod ${options.pod} did not report listening within ${timeoutMs} ms`, { code: null, signal: 'SIGKILL' }, tail.toString()));
    }, timeoutMs);
    let started = false;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const record = parseRecord(line);
      if (!record) tail.add(line);
      if (started) {
        forwardRecord(line, log);
        return;
      }
      if (record?.msg !== 'listening' || !record.ports?.[0]) return;
      started = true;
      clearTimeout(timer);
      resolve(new ChildContainer(child, listeningPorts(record), exited, tail));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new ContainerStartError(`cannot start tcpshift-echo for pod ${options.pod}: ${error.message}`, { code: 127, signal: null }, error.message));
    });
    void exited.then((exit) => {
      if (started) return;
      clearTimeout(timer);
      reject(new ContainerStartError(`tcpshift-echo for pod ${options.pod} exited (${exit.code ?? exit.signal ?? ''}) before listening: ${tail.toString().trim()}`, exit, tail.toString()));
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
