import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from './listen.js';
import type { EchoMetrics } from './metrics.js';

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface HealthOptions {
  port: number;
  host: string | undefined;
  isReady(): boolean;
  metrics: EchoMetrics;
}

/**
 * The Kubernetes-facing HTTP port: `/healthz` 200 while the process lives, `/readyz` 200 until
 * the drain starts and 503 after, `/metrics` in Prometheus text.
 */
export async function startHealthServer(options: HealthOptions): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    void respond(req.url ?? '/', res, options);
  });
  await listen(server, options.port, options.host);
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(url: string, res: http.ServerResponse, options: HealthOptions): Promise<void> {
  const path = url.split('?')[0];
  if (path === '/healthz') return reply(res, 200, 'ok\n');
  if (path === '/readyz') return options.isReady() ? reply(res, 200, 'ready\n') : reply(res, 503, 'draining\n');
  if (path !== '/metrics') return reply(res, 404, 'not found: try /healthz, /readyz or /metrics\n');
  try {
    reply(res, 200, await options.metrics.text(), options.metrics.contentType);
  } catch (err) {
    reply(res, 500, `${err instanceof Error ? err.message : String(err)}\n`);
  }
}

function reply(res: http.ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
