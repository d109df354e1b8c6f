/**
 * The controller's two HTTP ports (the Deployment's contract): the health port serves `/healthz`
 * (200 while the process runs) and `/readyz` (200 once the TCPShift cache has synced, 503 before,
 * while shutting down, and while the Lease cannot be taken: the body says why); the metrics port
 * serves Prometheus `/metrics`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpPorts {
  readonly healthPort: number;
  readonly metricsPort: number;
  close(): Promise<void>;
}

export interface HttpPortsOptions {
  healthPort: number;
  metricsPort: number;
  /** Interface to listen on; all of them when undefined (a kubelet probes the pod IP). */
  host?: string;
  isReady(): boolean;
  /** Why the process cannot work although it runs (its Lease cannot be taken); undefined when nothing is wrong. */
  notReadyReason?(): string | undefined;
  metrics(): Promise<{ text: string; contentType: string }>;
}

type Handler = (path: string) => Promise<{ status: number; body: string; contentType?: string }>;

export async function startHttpPorts(options: HttpPortsOptions): Promise<HttpPorts> {
  const health = await serve(options.healthPort, options.host, (path) => {
    if (path === '/healthz') return Promise.resolve({ status: 200, body: 'ok\n' });
    if (path === '/readyz') return Promise.resolve(readiness(options));
    return Promise.resolve({ status: 404, body: 'not found: try /healthz or /readyz\n' });
  });
  let metrics: http.Server;
  try {
    metrics = await serve(options.metricsPort, options.host, async (path) => {
      if (path !== '/metrics') return { status: 404, body: 'not found: try /metrics\n' };
      const { text, contentType } = await options.metrics();
      return { status: 200, body: text, contentType };
    });
  } catch (error) {
    await closeServer(health);
    throw error;
  }
  return {
    healthPort: (health.address() as AddressInfo).port,
    metricsPort: (metrics.address() as AddressInfo).port,
    close: async () => {
      await Promise.all([closeServer(health), closeServer(metrics)]);
    },
  };
}

function readiness(options: HttpPortsOptions): { status: number; body: string } {
  const reason = options.notReadyReason?.();
  if (reason) return { status: 503, body: `not ready: ${reason}\n` };
  return options.isReady() ? { status: 200, body: 'ready\n' } : { status: 503, body: 'not ready\n' };
}

async function serve(port: number, host: string | undefined, handle: Handler): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    handle(path).then(
      ({ status, body, contentType }) => reply(res, status, body, contentType),
      (error: unknown) => reply(res, 500, `${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function reply(res: http.ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
