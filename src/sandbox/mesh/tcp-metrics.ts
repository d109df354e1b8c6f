import { Counter, Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { ConnectionObserver } from './connection-observer.js';
import { INGRESS_GATEWAY_WORKLOAD, ISTIO_TCP_LABELS, istioTcpLabels, type GatewayWorkload, type IstioTcpLabels, type PeerKnowledge } from './istio-tcp-labels.js';
import type { Cluster } from './listener-plan.js';
import type { ProxyConnection } from './proxy-connection.js';

/** Istio's stats filter `tcp_reporting_duration` default (istio_stats.cc `Config`: 5 s). */
export const DEFAULT_TCP_REPORTING_MS = 5000;

/**
 * Envoy's short response flags for what tcp_proxy saw (envoy source/common/tcp_proxy/tcp_proxy.cc;
 * the short names and their comma-joined order: source/common/stream_info/utility.cc
 * `ResponseFlagUtils::toShortString`, "-" when none):
 * - `UH`: `initializeUpstreamConnection` found no healthy host in the cluster (NoHealthyUpstream).
 * - `UF,URX`: the connect failed (`onUpstreamEvent` RemoteClose while connecting, or
 *   `onConnectTimeout`: UpstreamConnectionFailure), then the retry found `connect_attempts_` at
 *   `max_connect_attempts` (1, Istio sets no other) and added UpstreamRetryLimitExceeded.
 */
export const RESPONSE_FLAGS = { none: '-', noHealthyUpstream: 'UH', connectFailed: 'UF,URX' } as const;

export interface IstioTcpMetricsOptions {
  clock: Clock;
  gateway?: GatewayWorkload;
  /** How often an open connection's counters are reported. Default 5 s, as Istio. */
  reportingMs?: number;
}

type CounterName = 'opened' | 'closed' | 'sent' | 'received';

/**
 * Istio's standard TCP metrics of the ingress gateway (istio/proxy istio_stats.cc), fed by the
 * gateway emulator through ConnectionObserver and exposed in Prometheus's text format.
 * When counts move, as in `IstioStatsFilter::reportHelper`: a connection's labels are fixed at
 * its first report, which happens at a reporting tick once the peer is known (connected) or at
 * close; `istio_tcp_connections_opened_total` is counted then (so up to `reportingMs` after the
 * connection opened, not at accept), bytes are added at every tick and at close, and
 * `istio_tcp_connections_closed_total` at close.
 */
export class IstioTcpMetrics implements ConnectionObserver {
  readonly registry = new Registry();
  readonly reportingMs: number;
  private readonly counters: Record<CounterName, Counter<(typeof ISTIO_TCP_LABELS)[number]>>;
  private readonly gateway: GatewayWorkload;

  constructor(private readonly options: IstioTcpMetricsOptions) {
    this.reportingMs = options.reportingMs ?? DEFAULT_TCP_REPORTING_MS;
    this.gateway = options.gateway ?? INGRESS_GATEWAY_WORKLOAD;
    const counter = (name: string, help: string): Counter<(typeof ISTIO_TCP_LABELS)[number]> =>
      new Counter({ name, help, labelNames: ISTIO_TCP_LABELS, registers: [this.registry] });
    this.counters = {
      opened: counter('istio_tcp_connections_opened_total', 'TCP connections opened (Istio standard metric).'),
      closed: counter('istio_tcp_connections_closed_total', 'TCP connections closed (Istio standard metric).'),
      sent: counter('istio_tcp_sent_bytes_total', 'Bytes sent to the downstream client in TCP connections (Istio standard metric).'),
      received: counter('istio_tcp_received_bytes_total', 'Bytes received from the downstream client in TCP connections (Istio standard metric).'),
    };
  }

  noHealthyUpstream(cluster: Cluster): void {
    const labels = this.labels(cluster, undefined, 'none', RESPONSE_FLAGS.noHealthyUpstream);
    this.count('opened', labels);
    this.count('sent', labels, 0);
    this.count('received', labels, 0);
    this.count('closed', labels);
  }

  proxied(connection: ProxyConnection, cluster: Cluster): void {
    new ConnectionReport(connection, cluster, this, this.options.clock).start();
  }

  /** The exposition text (`/stats/prometheus`). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** @internal for ConnectionReport */
  labels(cluster: Cluster, endpoint: ProxyConnection['endpoint'] | undefined, peer: PeerKnowledge, responseFlags: string): IstioTcpLabels {
    return istioTcpLabels({ gateway: this.gateway, cluster, endpoint, peer, responseFlags });
  }

  /** @internal for ConnectionReport */
  count(name: CounterName, labels: IstioTcpLabels, amount = 1): void {
    this.counters[name].inc(labels, amount);
  }
}

/** One connection's reporting: `IstioStatsFilter::reportHelper` on a timer and at close. */
class ConnectionReport {
  private connected = false;
  private labels: IstioTcpLabels | undefined;
  private sent = 0;
  private received = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly connection: ProxyConnection,
    private readonly cluster: Cluster,
    private readonly metrics: IstioTcpMetrics,
    private readonly clock: Clock,
  ) {}

  start(): void {
    this.connection.upstream.once('connect', () => (this.connected = true));
    this.schedule();
    void this.connection.whenClosed().then(() => {
      this.timer?.cancel();
      this.report(true);
    });
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(() => {
      this.report(false);
      this.schedule();
    }, this.metrics.reportingMs);
  }

  /**
   * Whether the upstream connect succeeded as Envoy would see it. A fault proxy in refuse mode
   * accepts and resets (so a socket connect happens): a target marked `refuses` whose upstream
   * sent nothing counts as a refused connect.
   */
  private upstreamConnected(): boolean {
    if (!this.connected) return false;
    return !(this.connection.target.refuses === true && this.connection.upstream.bytesRead === 0);
  }

  private report(end: boolean): void {
    if (!this.labels) {
      const connected = this.upstreamConnected();
      if (!connected && !end) return;
      this.labels = this.firstLabels(connected);
      this.metrics.count('opened', this.labels);
    }
    const { client } = this.connection;
    this.metrics.count('sent', this.labels, client.bytesWritten - this.sent);
    this.metrics.count('received', this.labels, client.bytesRead - this.received);
    this.sent = client.bytesWritten;
    this.received = client.bytesRead;
    if (end) this.metrics.count('closed', this.labels);
  }

  private firstLabels(connected: boolean): IstioTcpLabels {
    const { endpoint } = this.connection;
    if (connected) return this.metrics.labels(this.cluster, endpoint, 'exchanged', RESPONSE_FLAGS.none);
    // Closed before the upstream connected: a failed connect (refused, reset at accept), or the
    // client left first (then Envoy sets no flag).
    const failed = this.connection.upstream.destroyed && (this.connection.upstream.errored !== null || this.connection.target.refuses === true);
    return this.metrics.labels(this.cluster, endpoint, 'endpoint', failed ? RESPONSE_FLAGS.connectFailed : RESPONSE_FLAGS.none);
  }
}
