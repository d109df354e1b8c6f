import { writePrivateFile } from '../../util/private-file.js';
import type { Clock, TimerHandle } from '../../util/clock.js';

/** A pod whose metrics Prometheus scrapes. */
export interface MetricsPod {
  name: string;
  namespace: string;
  version: string;
  /** Loopback port of its metrics endpoint (the echo's health port), undefined when it has none. */
  metricsPort?: number | undefined;
  ready: boolean;
  terminating: boolean;
}

/** Prometheus's file_sd format: `[{targets: [host:port], labels: {...}}]`, one group per pod. */
export function podTargetGroups(pods: readonly MetricsPod[]): string {
  const groups = pods
    .filter((p) => p.metricsPort !== undefined && !p.terminating)
    .map((p) => ({ targets: [`127.0.0.1:${String(p.metricsPort)}`], labels: { namespace: p.namespace, pod: p.name, version: p.version } }));
  return `${JSON.stringify(groups, null, 2)}\n`;
}

/** Keeps the file_sd targets file in step with the pods (checked every `periodMs`, written on change). */
export class PodTargetsFile {
  private written: string | undefined;
  private timer: TimerHandle | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly pods: () => readonly MetricsPod[],
    private readonly clock: Clock,
    private readonly periodMs: number,
  ) {}

  /** Write the current targets now and keep them current. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    return this.writing;
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(() => {
      this.writing = this.refresh().catch(() => undefined);
      this.schedule();
    }, this.periodMs);
  }

  private async refresh(): Promise<void> {
    const text = podTargetGroups(this.pods());
    if (text === this.written) return;
    await writePrivateFile(this.file, text);
    this.written = text;
  }
}
