import net from 'node:net';
import type { Clock } from '../../util/clock.js';
import { Lane } from './lane.js';
import { corruptBytes, type FaultMode, type FaultSetting } from './modes.js';

export interface ProxyTarget {
  host: string;
  port: number;
}

/** A connection through the proxy, as listed by connections(). */
export interface ProxiedConnectionInfo {
  id: number;
  mode: FaultMode;
  /** The client's port as the proxy sees it (the client socket's local port). */
  clientPort: number | undefined;
  openedAt: number;
}

/**
 * A client connection and its upstream, forwarding through two lanes under a fault setting that
 * can change at any time. Closing either side closes the other; errors never escape.
 */
export class ProxiedConnection {
  readonly openedAt: number;
  private setting: FaultSetting;
  private upstream: net.Socket | undefined;
  private toUpstream: Lane | undefined;
  private toClient: Lane | undefined;
  private readonly closed: Promise<void>;

  constructor(
    readonly id: number,
    private readonly client: net.Socket,
    target: ProxyTarget,
    setting: FaultSetting,
    private readonly clock: Clock,
  ) {
    this.openedAt = clock.now();
    this.setting = setting;
    this.closed = new Promise((resolve) => client.once('close', () => resolve()));
    client.on('error', () => this.upstream?.destroy());
    if (this.refusesAtAccept()) return;
    this.connectUpstream(target);
    this.apply(setting);
  }

  info(): ProxiedConnectionInfo {
    return { id: this.id, mode: this.setting.mode, clientPort: this.client.remotePort, openedAt: this.openedAt };
  }

  get isClosed(): boolean {
    return this.client.destroyed;
  }

  /** Resolves when the client socket has closed. */
  whenClosed(): Promise<void> {
    return this.closed;
  }

  apply(setting: FaultSetting): void {
    if (setting.mode === 'refuse') return; // only new connections are refused
    this.setting = setting;
    switch (setting.mode) {
      case 'reset':
        this.reset();
        return;
      case 'close':
        this.closeBothWays();
        return;
      default:
        this.toUpstream?.hold(setting.mode === 'blackhole');
        this.toClient?.hold(setting.mode === 'blackhole');
    }
  }

  destroy(): void {
    this.disposeLanes();
    this.upstream?.destroy();
    this.client.destroy();
  }

  /** New connections under refuse or reset get an RST at once; under close, a FIN. */
  private refusesAtAccept(): boolean {
    const { mode } = this.setting;
    if (mode === 'refuse' || mode === 'reset') {
      this.client.resetAndDestroy();
      return true;
    }
    if (mode === 'close') {
      this.client.end();
      this.client.on('end', () => this.client.destroy());
      return true;
    }
    return false;
  }

  private connectUpstream(target: ProxyTarget): void {
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    this.upstream = upstream;
    const toUpstream = new Lane(this.client, upstream, this.clock);
    const toClient = new Lane(upstream, this.client, this.clock);
    this.toUpstream = toUpstream;
    this.toClient = toClient;
    this.client.on('data', (chunk: Buffer) => toUpstream.push(chunk, this.setting.delayMs));
    upstream.on('data', (chunk: Buffer) =>
      toClient.push(this.setting.mode === 'corrupt' ? corruptBytes(chunk) : chunk, this.setting.delayMs),
    );
    this.client.on('end', () => toUpstream.end());
    upstream.on('end', () => toClient.end());
    upstream.on('error', () => {
      this.disposeLanes();
      if (!this.client.destroyed) this.client.resetAndDestroy();
    });
    upstream.on('close', () => this.afterBothEnded());
    this.client.on('close', () => {
      this.disposeLanes();
      upstream.destroy();
    });
  }

  /** Once the upstream is gone and the client has nothing left to receive, drop the client. */
  private afterBothEnded(): void {
    if (this.client.writableEnded && this.client.readableEnded) this.client.destroy();
  }

  private reset(): void {
    this.disposeLanes();
    this.upstream?.destroy();
    if (!this.client.destroyed) this.client.resetAndDestroy();
  }

  private closeBothWays(): void {
    this.disposeLanes();
    this.upstream?.end();
    if (!this.client.destroyed) this.client.end();
  }

  private disposeLanes(): void {
    this.toUpstream?.dispose();
    this.toClient?.dispose();
  }
}
