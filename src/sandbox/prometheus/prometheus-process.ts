import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';

export const DEFAULT_PROMETHEUS_PROGRAM = 'prometheus';
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5000;

export interface PrometheusProcessOptions {
  /** The program (default `prometheus` on PATH: Debian's prometheus package). */
  program?: string;
  /** Its directory: prometheus.yml, data/ (the TSDB), prometheus.log. */
  dir: string;
  /** prometheus.yml text. */
  config: string;
  clock: Clock;
  logger: Logger;
  /** How long to wait for `/-/ready`. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface RunningPrometheus {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly pid: number;
  /** From spawn to `/-/ready` answering 200. */
  readonly startupMs: number;
  readonly logFile: string;
  /** SIGTERM, SIGKILL after 5 s; idempotent. */
  stop(): Promise<void>;
}

/** The program is not installed (spawn ENOENT). */
export class PrometheusMissingError extends Error {
  override readonly name = 'PrometheusMissingError';
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The program's path (as given, or found on PATH), else a PrometheusMissingError naming the Debian package. */
export function locatePrometheus(program: string = DEFAULT_PROMETHEUS_PROGRAM): string {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, program));
  const found = candidates.find(isExecutable);
  if (found === undefined) throw new PrometheusMissingError(`${program} not found: install Debian's prometheus package (apt-get install -y prometheus)`);
  return found;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).slice(-5).join('\n');
}

/**
 * A real Prometheus as a child process on loopback (`--web.listen-address=127.0.0.1:<free port>`),
 * its TSDB and log in `dir`; resolves once `/-/ready` answers 200 (Prometheus replays its WAL and
 * loads the config first: that moment is `startupMs`). A process exit of the sandbox SIGKILLs it.
 */
export async function startPrometheus(options: PrometheusProcessOptions): Promise<RunningPrometheus> {
  const program = locatePrometheus(options.program);
  await mkdir(path.join(options.dir, 'data'), { recursive: true });
  const configFile = path.join(options.dir, 'prometheus.yml');
  const logFile = path.join(options.dir, 'prometheus.log');
  await writeFile(configFile, options.config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(logFile, 'a');
  const started = options.clock.monotonic();
  let child: ChildProcess;
  try {
    child = spawn(program, [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(options.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1d'], { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const running = new PrometheusChild(child, url, logFile, options.clock);
  try {
    await running.whenReady(options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, program);
  } catch (error) {
    await running.stop();
    throw error;
  }
  const startupMs = Math.round(options.clock.monotonic() - started);
  options.logger.info('prometheus ready', { url, pid: child.pid, startupMs, log: logFile });
  return { url, pid: child.pid ?? 0, startupMs, logFile, stop: () => running.stop() };
}

interface TargetsResponse {
  data?: { activeTargets?: Array<{ scrapePool?: string; health?: string }> };
}

/** Whether job `job` has a target Prometheus has scraped successfully (`/api/v1/targets`). */
async function jobUp(url: string, job: string, clock: Clock): Promise<boolean> {
  const abort = new AbortController();
  const timer = clock.setTimer(() => abort.abort(), 2000);
  try {
    const response = await fetch(`${url}/api/v1/targets?state=active`, { signal: abort.signal });
    if (response.status !== 200) return false;
    const body = (await response.json()) as TargetsResponse;
    return (body.data?.activeTargets ?? []).some((target) => target.scrapePool === job && target.health === 'up');
  } catch {
    return false;
  } finally {
    timer.cancel();
  }
}

/**
 * Resolves once Prometheus has scraped job `job` successfully. `/-/ready` is not that: Prometheus
 * hands discovered targets (static_configs too) to its scrape manager at most every 5 s
 * (discovery manager updatert, scrape manager reload ticker; no flag shortens it in 2.x), so for
 * about 5 s after ready nothing is scraped and every query is empty: a shift judged by a metric in
 * that time sees no data however its canary behaves.
 */
export async function whenScraped(prometheus: Pick<RunningPrometheus, 'url'>, job: string, clock: Clock, timeoutMs: number = DEFAULT_READY_TIMEOUT_MS): Promise<void> {
  const deadline = clock.monotonic() + timeoutMs;
  while (!(await jobUp(prometheus.url, job, clock))) {
    if (clock.monotonic() > deadline) throw new Error(`prometheus at ${prometheus.url} has not scraped job ${job} after ${timeoutMs} ms`);
    await clock.sleep(100);
  }
}

class PrometheusChild {
  private exited = false;
  private spawnError: NodeJS.ErrnoException | undefined;
  private readonly exit: Promise<void>;
  private readonly killOnExit = (): void => void this.child.kill('SIGKILL');
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly url: string,
    private readonly logFile: string,
    private readonly clock: Clock,
  ) {
    this.exit = new Promise((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        this.spawnError = error;
        this.exited = true;
        resolve();
      });
      child.once('exit', () => {
        this.exited = true;
        resolve();
      });
    });
    process.once('exit', this.killOnExit);
  }

  async whenReady(timeoutMs: number, program: string): Promise<void> {
    const { clock } = this;
    const deadline = clock.monotonic() + timeoutMs;
    while (!(await this.ready())) {
      if (this.spawnError) throw new Error(`cannot run ${program}: ${this.spawnError.message}`);
      if (this.exited) throw new Error(`prometheus exited before it was ready: ${await logTail(this.logFile)}`);
      if (clock.monotonic() > deadline) throw new Error(`prometheus not ready at ${this.url} after ${timeoutMs} ms (log: ${this.logFile})`);
      await clock.sleep(100);
    }
  }

  private async ready(): Promise<boolean> {
    if (this.exited) return false;
    const abort = new AbortController();
    const timer = this.clock.setTimer(() => abort.abort(), 2000);
    try {
      const response = await fetch(`${this.url}/-/ready`, { signal: abort.signal });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    } finally {
      timer.cancel();
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<void> {
    process.off('exit', this.killOnExit);
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = this.clock.setTimer(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exit;
    timer.cancel();
  }
}
