import http from 'node:http';
import type { Clock, TimerHandle } from '../../util/clock.js';

/**
 * The kubelet's readiness probe: GET /readyz on the health port every `periodMs`; ready when it
 * answers 2xx within the timeout. `onChange` is called with the first result and every change.
 */
export interface ReadinessProbeOptions {
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
    const ready = await probeOnce(this.options.host ?? '127.0.0.1', this.options.port, this.options.timeoutMs ?? 1000);
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
