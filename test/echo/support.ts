import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { spawnBin } from '../support/cli.js';

/** How a test client's connection ended, as the client saw it. */
export type ClientEnd = 'fin' | 'reset' | 'closed';

/** A real TCP client that records everything it receives and how the server ended it. */
export class TestClient {
  text = '';
  /** Resolves on the server's FIN ('fin'), a reset, or a close without either. */
  readonly ended: Promise<ClientEnd>;
  private gotFin = false;
  private error: NodeJS.ErrnoException | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.text += d;
      for (const w of [...this.waiters]) w();
    });
    socket.on('end', () => {
      this.gotFin = true;
      socket.end();
    });
    socket.on('error', (err) => (this.error = err));
    this.ended = new Promise((resolve) => {
      socket.on('close', () => {
        if (this.gotFin) resolve('fin');
        else resolve(this.error?.code === 'ECONNRESET' || this.error?.code === 'EPIPE' ? 'reset' : 'closed');
        for (const w of [...this.waiters]) w();
      });
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new TestClient(socket));
      });
    });
  }

  /** Connect and wait for the banner's blank line (the end of a full banner). */
  static async withBanner(port: number): Promise<TestClient> {
    const client = await TestClient.connect(port);
    await client.waitForText((t) => t.includes('\n\n'));
    client.text = client.text.slice(client.text.indexOf('\n\n') + 2);
    return client;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves once the received text satisfies the predicate; rejects after timeoutMs or on close. */
  waitForText(predicate: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
    return waitFor(this.waiters, timeoutMs, () => {
      if (predicate(this.text)) return this.text;
      if (this.socket.destroyed) throw new Error(`connection closed; received ${JSON.stringify(this.text)}`);
      return undefined;
    }, () => `received ${JSON.stringify(this.text)}`);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Resolves with the error code of a connection attempt that fails (e.g. ECONNREFUSED). */
export function connectError(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
  });
}

export interface HttpReply {
  status: number;
  body: string;
  contentType: string | undefined;
}

export function httpGet(port: number, path: string): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: res.headers['content-type'] }));
    });
    req.on('error', reject);
  });
}

/** The value of one Prometheus sample, e.g. metric('tcpshift_echo_connections_total', {reason: 'drained'}). */
export function sample(metricsText: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

export type LogRecordJson = Record<string, unknown> & { msg: string };

/** A spawned tcpshift-echo with JSON logs, its records, and its exit. */
export class EchoProcess {
  /** Every stdout line, and the parsed records when the format is json. */
  readonly lines: string[] = [];
  readonly records: LogRecordJson[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  private buffered = '';
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly child: ChildProcess,
    private readonly format: 'json' | 'text' = 'json',
  ) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => this.onStdout(d));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Spawn with `--port 0 --health-port 0 --log-format json` and wait for the listening line. */
  static async start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ proc: EchoProcess; ports: number[]; healthPort: number }> {
    const proc = new EchoProcess(spawnBin('tcpshift-echo', ['--port', '0', '--health-port', '0', '--log-format', 'json', ...args], { env }));
    const listening = await proc.waitForRecord((r) => r.msg === 'listening');
    return { proc, ports: listening.ports as number[], healthPort: listening.healthPort as number };
  }

  waitForRecord(predicate: (r: LogRecordJson) => boolean, timeoutMs = 15_000): Promise<LogRecordJson> {
    return waitFor(this.waiters, timeoutMs, () => this.records.find(predicate), () => `records ${JSON.stringify(this.records)}; stderr ${this.stderr}`);
  }

  /** The first stdout line. */
  nextLine(timeoutMs = 15_000): Promise<string> {
    return waitFor(this.waiters, timeoutMs, () => this.lines[0], () => `stderr ${this.stderr}`);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private onStdout(data: string): void {
    this.buffered += data;
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop() ?? '';
    for (const line of lines) {
      this.lines.push(line);
      if (this.format === 'json' && line.trim()) this.records.push(JSON.parse(line) as LogRecordJson);
    }
    for (const w of [...this.waiters]) w();
  }
}

/** Poll until fn returns true, or throw after timeoutMs. */
export async function eventually(fn: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Resolves with the first non-undefined result of probe, re-run whenever a waiter in the set is
 * called; rejects when probe throws or after timeoutMs (describing what was seen).
 */
function waitFor<T>(waiters: Set<() => void>, timeoutMs: number, probe: () => T | undefined, seen: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      try {
        const result = probe();
        if (result === undefined) return;
        done();
        resolve(result);
      } catch (err) {
        done();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms; ${seen()}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
    check();
  });
}
