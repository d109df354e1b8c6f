import net from 'node:net';
import type { Endpoint } from './endpoints.js';

/** Where the gateway dials for an endpoint: the pod itself, or a fault proxy in front of it. */
export interface UpstreamTarget {
  host: string;
  port: number;
  /**
   * The target stands in for a pod that refuses connections (a fault proxy resetting each new
   * connection at accept): Envoy would see its connect fail, which Istio's metrics report as UF.
   */
  refuses?: boolean;
}

/**
 * One downstream connection and its upstream, as Envoy's tcp_proxy: bytes both ways with
 * back-pressure, a FIN forwarded as a FIN (half-close), an error or a full close of one side
 * closes the other. `destroy()` is the abrupt close of a drained filter chain.
 */
export class ProxyConnection {
  readonly upstream: net.Socket;
  private readonly closed: Promise<void>;

  constructor(
    readonly client: net.Socket,
    readonly target: UpstreamTarget,
    readonly endpoint: Endpoint,
    readonly openedAt: number,
  ) {
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    this.upstream = upstream;
    client.pipe(upstream);
    upstream.pipe(client);
    const destroy = (): void => this.destroy();
    client.on('error', destroy);
    upstream.on('error', destroy);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      // A clean upstream FIN was forwarded by the pipe; the downstream closes when its side is done.
      if (!upstream.readableEnded) client.destroy();
    });
    this.closed = new Promise((resolve) => client.once('close', () => resolve()));
  }

  get isClosed(): boolean {
    return this.client.destroyed;
  }

  whenClosed(): Promise<void> {
    return this.closed;
  }

  destroy(): void {
    this.upstream.destroy();
    this.client.destroy();
  }
}
