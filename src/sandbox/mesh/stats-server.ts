import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Envoy's admin path for Prometheus stats (also what Istio's merged-metrics port 15020 serves). */
export const STATS_PATH = '/stats/prometheus';

export interface StatsServer {
  /** `http://127.0.0.1:PORT/stats/prometheus` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The gateway's metrics endpoint, as Envoy's admin `/stats/prometheus` (15090) serves it: the
 * Prometheus text exposition format (version 0.0.4). Anything else is 404.
 */
export async function startStatsServer(text: () => Promise<string>, host = '127.0.0.1', port = 0): Promise<StatsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== STATS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`only GET ${STATS_PATH}\n`);
      return;
    }
    text().then(
      (body) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}${STATS_PATH}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
