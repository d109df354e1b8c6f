import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { IstioTcpMetrics, startStatsServer } from './mesh/index.js';
import type { RunningPodInfo } from './pods/index.js';
import { GATEWAY_JOB, prometheusConfig } from './prometheus/prometheus-config.js';
import { PodTargetsFile } from './prometheus/pod-targets.js';
import { startPrometheus, whenScraped, type RunningPrometheus } from './prometheus/prometheus-process.js';

/** `sandbox up --prometheus`: a real Prometheus scraping the sandbox. */
export interface SandboxPrometheusOptions {
  /** The program; default `prometheus` on PATH (Debian's prometheus package). */
  program?: string;
  /** Scrape and evaluation interval. Default 1 s. */
  intervalMs?: number;
}

export const DEFAULT_SCRAPE_INTERVAL_MS = 1000;

export interface SandboxPrometheusInfo {
  url: string;
  scrapeIntervalMs: number;
  /** From spawn to /-/ready. */
  startupMs: number;
}

export interface SandboxTelemetry {
  readonly metrics: IstioTcpMetrics;
  /** The gateway's `/stats/prometheus` URL. */
  readonly gatewayStats: string;
  /** Start Prometheus once the pods exist; its info for sandbox.json. */
  startPrometheus(options: SandboxPrometheusOptions, pods: () => RunningPodInfo[]): Promise<SandboxPrometheusInfo>;
  stop(): Promise<void>;
}

/**
 * The gateway's Istio TCP metrics (mesh/tcp-metrics.ts) on a loopback `/stats/prometheus`, and on
 * request a real Prometheus (prometheus/) scraping it and the pods, its files in DIR/prometheus.
 */
export async function startSandboxTelemetry(dir: string, clock: Clock, logger: Logger, tcpReportingMs: number | undefined): Promise<SandboxTelemetry> {
  const metrics = new IstioTcpMetrics({ clock, ...(tcpReportingMs === undefined ? {} : { reportingMs: tcpReportingMs }) });
  const stats = await startStatsServer(() => metrics.text());
  let prometheus: RunningPrometheus | undefined;
  let targets: PodTargetsFile | undefined;
  return {
    metrics,
    gatewayStats: stats.url,
    async startPrometheus(options, pods) {
      const intervalMs = options.intervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS;
      const promDir = path.join(dir, 'prometheus');
      targets = new PodTargetsFile(path.join(promDir, 'pod-targets.json'), pods, clock, intervalMs);
      const config = prometheusConfig({ intervalMs, gatewayStatsUrl: stats.url, podTargetsFile: targets.file });
      await mkdir(promDir, { recursive: true });
      await targets.start();
      prometheus = await startPrometheus({ dir: promDir, config, clock, logger, ...(options.program ? { program: options.program } : {}) });
      // Ready is not scraping (whenScraped): the sandbox is up once the gateway's metrics are in.
      const scraping = clock.monotonic();
      await whenScraped(prometheus, GATEWAY_JOB, clock);
      logger.info('prometheus scraping the gateway', { afterReadyMs: Math.round(clock.monotonic() - scraping) });
      return { url: prometheus.url, scrapeIntervalMs: intervalMs, startupMs: prometheus.startupMs };
    },
    async stop() {
      await prometheus?.stop();
      await targets?.stop();
      await stats.close();
    },
  };
}
