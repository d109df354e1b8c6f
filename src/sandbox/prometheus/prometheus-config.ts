import { stringify } from 'yaml';

export interface PrometheusConfigInput {
  /** Scrape and rule-evaluation interval. */
  intervalMs: number;
  /** The gateway's stats URL (`http://127.0.0.1:PORT/stats/prometheus`). */
  gatewayStatsUrl: string;
  /** The file_sd targets file the sandbox keeps up to date with the pods' metrics endpoints. */
  podTargetsFile: string;
}

/** The scrape job of the gateway emulator's `/stats/prometheus`. */
export const GATEWAY_JOB = 'istio-ingressgateway';

const seconds = (ms: number): string => `${Math.max(1, Math.round(ms / 1000))}s`;

/**
 * prometheus.yml for the sandbox: job `istio-ingressgateway` scrapes the gateway emulator's
 * `/stats/prometheus` (as Istio's sample Prometheus scrapes Envoy's merged metrics), job
 * `echo-pods` the echo processes' `/metrics` through file-based discovery (the sandbox rewrites
 * the file when pods come and go; Prometheus re-reads it on change). The gateway target carries
 * the pod labels Istio's kubernetes-pods job would add (`namespace`, `pod`, `app`).
 */
export function prometheusConfig(input: PrometheusConfigInput): string {
  const gateway = new URL(input.gatewayStatsUrl);
  const interval = seconds(input.intervalMs);
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    scrape_configs: [
      {
        job_name: GATEWAY_JOB,
        metrics_path: gateway.pathname,
        static_configs: [{ targets: [gateway.host], labels: { namespace: 'istio-system', pod: 'istio-ingressgateway', app: 'istio-ingressgateway' } }],
      },
      {
        job_name: 'echo-pods',
        metrics_path: '/metrics',
        file_sd_configs: [{ files: [input.podTargetsFile], refresh_interval: interval }],
      },
    ],
  });
}
