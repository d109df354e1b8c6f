import http from 'node:http';
import net from 'node:net';
import type { Clock, TimerHandle } from '../../util/clock.js';

/**
 * The kubelet's readiness probe every `periodMs`: `httpGet` GET /readyz on the health port, ready
 * when it answers 2xx within the timeout; `tcpSocket` ready when a connection to the port opens
 * within the timeout (pkg/probe/tcp `DoTCPProbe`: connect, then close at once; a stopped process
 * still passes, its kernel completes the handshake). `onChange` is called with the first result
 * and every change.
 */
export interface ReadinessProbeOptions {
  kind?: 'httpGet' | 'tcpSocket';
  port: number;
  host?: string;
  periodMs: number;
  timeoutMs?: number;
  clock: Clock;
  onChange(ready: boolean): void;
}

export class ReadinessProbe {
  private timer: TimerHandle | undefined;
  private last: boolean | undefined;
  private stopped = false;

  constructor(private readonly options: ReadinessProbeOptions) {}

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async tick(): Promise<void> {
    const probe = this.options.kind === 'tcpSocket' ? connectOnce : probeOnce;
    const ready = await probe(this.options.host ?? '127.0.0.1', this.options.port, this.options.timeoutMs ?? 1000);
    if (this.stopped) return;
    if (ready !== this.last) {
      this.last = ready;
      this.options.onChange(ready);
    }
    this.timer = this.options.clock.setTimer(() => void this.tick(), this.options.periodMs);
  }
}

export function probeOnce(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host, port, path: '/readyz', timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve((response.statusCode ?? 500) >= 200 && (response.statusCode ?? 500) < 300);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

export function connectOnce(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (ready: boolean): void => {
      socket.destroy();
      resolve(ready);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
