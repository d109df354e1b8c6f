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
type LabelName = (typeof ISTIO_TCP_LABELS)[number];
/** One label set's four counters, resolved once (prom-client hashes 23 labels per lookup). */
export type TcpSeries = Record<CounterName, { inc(amount?: number): void }>;

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
  private readonly counters: Record<CounterName, Counter<LabelName>>;
  private readonly gateway: GatewayWorkload;
  private readonly series = new Map<string, TcpSeries>();

  constructor(private readonly options: IstioTcpMetricsOptions) {
    this.reportingMs = options.reportingMs ?? DEFAULT_TCP_REPORTING_MS;
    this.gateway = options.gateway ?? INGRESS_GATEWAY_WORKLOAD;
    const counter = (name: string, help: string): Counter<LabelName> =>
      new Counter({ name, help, labelNames: ISTIO_TCP_LABELS, registers: [this.registry] });
    this.counters = {
      opened: counter('istio_tcp_connections_opened_total', 'TCP connections opened (Istio standard metric).'),
      closed: counter('istio_tcp_connections_closed_total', 'TCP connections closed (Istio standard metric).'),
      sent: counter('istio_tcp_sent_bytes_total', 'Bytes sent to the downstream client in TCP connections (Istio standard metric).'),
      received: counter('istio_tcp_received_bytes_total', 'Bytes received from the downstream client in TCP connections (Istio standard metric).'),
    };
  }

  noHealthyUpstream(cluster: Cluster): void {
    const series = this.seriesFor(cluster, undefined, 'none', RESPONSE_FLAGS.noHealthyUpstream);
    series.opened.inc();
    series.sent.inc(0);
    series.received.inc(0);
    series.closed.inc();
  }

  proxied(connection: ProxyConnection, cluster: Cluster): void {
    new ConnectionReport(connection, cluster, this, this.options.clock).start();
  }

  /** The exposition text (`/stats/prometheus`). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The counters of one connection's label set (for ConnectionReport). */
  seriesFor(cluster: Cluster, endpoint: ProxyConnection['endpoint'] | undefined, peer: PeerKnowledge, responseFlags: string): TcpSeries {
    const labels: IstioTcpLabels = istioTcpLabels({ gateway: this.gateway, cluster, endpoint, peer, responseFlags });
    const key = ISTIO_TCP_LABELS.map((name) => labels[name]).join('\n');
    let found = this.series.get(key);
    if (!found) {
      found = { opened: this.counters.opened.labels(labels), closed: this.counters.closed.labels(labels), sent: this.counters.sent.labels(labels), received: this.counters.received.labels(labels) };
      this.series.set(key, found);
    }
    return found;
  }
}

/** One connection's reporting: `IstioStatsFilter::reportHelper` on a timer and at close. */
class ConnectionReport {
  private connected = false;
  private series: TcpSeries | undefined;
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
    if (!this.series) {
      const connected = this.upstreamConnected();
      if (!connected && !end) return;
      this.series = this.firstSeries(connected);
      this.series.opened.inc();
    }
    const { client } = this.connection;
    this.series.sent.inc(client.bytesWritten - this.sent);
    this.series.received.inc(client.bytesRead - this.received);
    this.sent = client.bytesWritten;
    this.received = client.bytesRead;
    if (end) this.series.closed.inc();
  }

  private firstSeries(connected: boolean): TcpSeries {
    const { endpoint } = this.connection;
    if (connected) return this.metrics.seriesFor(this.cluster, endpoint, 'exchanged', RESPONSE_FLAGS.none);
    // Closed before the upstream connected: a failed connect (refused, reset at accept), or the
    // client left first (then Envoy sets no flag).
    const failed = this.connection.upstream.destroyed && (this.connection.upstream.errored !== null || this.connection.target.refuses === true);
    return this.metrics.seriesFor(this.cluster, endpoint, 'endpoint', failed ? RESPONSE_FLAGS.connectFailed : RESPONSE_FLAGS.none);
  }
}
