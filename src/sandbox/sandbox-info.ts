import { writePrivateFile } from '../util/private-file.js';
import type { MeshGateway } from './mesh/index.js';
import type { SandboxPrometheusInfo } from './sandbox-telemetry.js';

/**
 * DIR/sandbox.json (DESIGN section 3, extended): where the API server and every gateway listener
 * are, and which process runs the sandbox. `gateway` is the 31400 listener of the demo objects
 * (kept for scripts written against it); `gateways` lists every listener the gateway has now, one
 * entry per Gateway server on it, and is rewritten when listeners come and go (a user applies a
 * Gateway with another port). Writes replace the file atomically (rename), so a reader never sees
 * half a document.
 */
export interface GatewayEntry {
  /** The Gateway object (Istio) whose server the listener serves. */
  name: string;
  namespace: string;
  /** The Gateway server port that routes match. */
  gatewayPort: number;
  /** Where the emulated gateway listens on loopback for it. */
  host: string;
  port: number;
}

export interface SandboxInfo {
  kubeconfig: string;
  apiServer: string;
  namespace: 'echo';
  gateway: { host: string; port: number; gatewayPort: number };
  /** The gateway's Istio TCP metrics: `http://127.0.0.1:PORT/stats/prometheus`. */
  gatewayStats: string;
  /** The real Prometheus scraping the sandbox (`sandbox up --prometheus`). */
  prometheus?: SandboxPrometheusInfo;
  gateways: GatewayEntry[];
  /** The gateway's EDS merge window: a locality weight change reaches new connections within it. */
  edsMergeWindowMs: number;
  /** The process running the sandbox (`sandbox down` signals it). */
  pid: number;
}

/** One entry per (Gateway, port) of the open listeners, by port then Gateway. */
export function gatewayEntries(gateway: MeshGateway): GatewayEntry[] {
  const entries = new Map<string, GatewayEntry>();
  const servers = gateway.servers();
  for (const listener of gateway.listeners()) {
    for (const server of servers.filter((s) => s.port === listener.gatewayPort)) {
      const [namespace = '', name = ''] = (server.parent?.ref ?? server.gateway).split('/');
      entries.set(`${listener.gatewayPort} ${server.gateway}`, { name, namespace, gatewayPort: listener.gatewayPort, host: listener.host, port: listener.port });
    }
  }
  return [...entries.values()].sort((a, b) => a.gatewayPort - b.gatewayPort || `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** Keeps sandbox.json in step with the gateway's listeners, one write at a time. */
export class SandboxInfoFile {
  private written = '';
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  current: SandboxInfo | undefined;

  constructor(private readonly file: string) {}

  /** Write `info` (now, or after the writes before it). */
  write(info: SandboxInfo): Promise<void> {
    this.current = info;
    const text = `${JSON.stringify(info, null, 2)}\n`;
    this.queue = this.queue.then(async () => {
      if (this.closed || text === this.written) return;
      // A fresh 0600 file renamed over it: never through an existing file or symlink (src/util/private-file.ts).
      await writePrivateFile(this.file, text);
      this.written = text;
    });
    return this.queue;
  }

  /** The listeners changed: rewrite the file when its `gateways` differ. */
  refresh(gateway: MeshGateway): void {
    if (!this.current || this.closed) return;
    void this.write({ ...this.current, gateways: gatewayEntries(gateway) }).catch(() => undefined);
  }

  /** No more writes (the sandbox stops and removes the file). */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
  }
}
