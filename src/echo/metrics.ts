import { Counter, Gauge, Registry } from 'prom-client';
import { END_REASONS, EndReason } from './end-reason.js';

export type Protocol = 'tcp' | 'udp';
export type Direction = 'received' | 'sent';

/**
 * The echo server's Prometheus metrics, on a Registry of its own (never prom-client's global one,
 * so several servers can live in one process), every series labelled with the version.
 */
export class EchoMetrics {
  readonly registry = new Registry();
  private readonly active: Gauge;
  private readonly ended: Counter<'reason'>;
  private readonly bytes: Counter<'protocol' | 'direction'>;
  private readonly datagrams: Counter;
  private readonly droppedUdpLines: Counter;
  private readonly ready: Gauge;

  constructor(version: string) {
    this.registry.setDefaultLabels({ version });
    const registers = [this.registry];
    this.active = new Gauge({ name: 'tcpshift_echo_connections_active', help: 'Open TCP connections.', registers });
    this.ended = new Counter({
      name: 'tcpshift_echo_connections_total',
      help: 'Ended TCP connections, by end reason.',
      labelNames: ['reason'],
      registers,
    });
    this.bytes = new Counter({
      name: 'tcpshift_echo_bytes_total',
      help: 'Payload bytes received from and sent to clients.',
      labelNames: ['protocol', 'direction'],
      registers,
    });
    this.datagrams = new Counter({ name: 'tcpshift_echo_udp_datagrams_total', help: 'UDP datagrams echoed.', registers });
    this.droppedUdpLines = new Counter({
      name: 'tcpshift_echo_udp_lines_dropped_total',
      help: 'Lines of UDP datagrams left unanswered: the reply would have passed twice the request (plus a prefix) or the largest datagram.',
      registers,
    });
    this.ready = new Gauge({ name: 'tcpshift_echo_ready', help: '1 while ready, 0 once draining.', registers });
    for (const reason of END_REASONS) this.ended.inc({ reason }, 0);
    this.ready.set(1);
  }

  opened(): void {
    this.active.inc();
  }

  /** An open connection ended. */
  closed(reason: EndReason): void {
    this.active.dec();
    this.ended.inc({ reason });
  }

  /** A connection past --max-connections, closed before it counted as open. */
  rejected(): void {
    this.ended.inc({ reason: EndReason.MaxConnections });
  }

  countBytes(protocol: Protocol, direction: Direction, n: number): void {
    if (n > 0) this.bytes.inc({ protocol, direction }, n);
  }

  countDatagram(): void {
    this.datagrams.inc();
  }

  countDroppedUdpLines(n: number): void {
    if (n > 0) this.droppedUdpLines.inc(n);
  }

  notReady(): void {
    this.ready.set(0);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
