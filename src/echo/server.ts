import net from 'node:net';
import os from 'node:os';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { EchoConnection, logConnectionEnd, peerOf, type ConnectionContext } from './connection.js';
import { EndReason } from './end-reason.js';
import { startHealthServer, type HealthServer } from './health.js';
import { listen } from './listen.js';
import { EchoMetrics } from './metrics.js';
import { ECHO_DEFAULTS, type EchoServerOptions } from './options.js';
import { startUdpEcho, type UdpEcho } from './udp.js';

export interface ConnectionCounts {
  /** Open now. */
  active: number;
  /** Accepted since start, including those closed at once past --max-connections. */
  total: number;
  /** Ended connections by reason. */
  byReason: Record<EndReason, number>;
}

export interface EchoServer {
  /** TCP ports actually bound, in the order asked. */
  readonly ports: readonly number[];
  /** UDP ports bound (the same numbers), empty without udp. */
  readonly udpPorts: readonly number[];
  /** undefined without a health server. */
  readonly healthPort: number | undefined;
  /** False once drain() or close() has started. */
  readonly ready: boolean;
  connections(): ConnectionCounts;
  /** Prometheus text of this server's registry. */
  metrics(): Promise<string>;
  /**
   * Graceful stop: not ready at once, listeners closed (new connections refused), existing ones
   * keep echoing for graceMs (default: the drainGraceMs option; ends early when none is left),
   * then each gets a FIN; resolves when everything is closed. Idempotent.
   */
  drain(graceMs?: number): Promise<void>;
  /** Close everything at once. Idempotent; also cuts a drain short. */
  close(): Promise<void>;
}

/** Start listening on every port (and UDP, health); the first log line is `listening`. */
export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  const server = new RunningEchoServer(options);
  try {
    await server.start();
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}

class RunningEchoServer implements EchoServer {
  ports: number[] = [];
  udpPorts: number[] = [];
  healthPort: number | undefined;
  ready = true;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metricsRegistry: EchoMetrics;
  private readonly context: ConnectionContext;
  private readonly listeners: net.Server[] = [];
  private readonly udp: UdpEcho[] = [];
  private health: HealthServer | undefined;
  private readonly open = new Set<EchoConnection>();
  private readonly whenEmpty = new Set<() => void>();
  private readonly counts: ConnectionCounts = { active: 0, total: 0, byReason: zeroByReason() };
  private draining: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private auxiliaryClosed: Promise<void> | undefined;

  constructor(private readonly options: EchoServerOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.metricsRegistry = new EchoMetrics(options.version);
    this.context = {
      clock: this.clock,
      logger: this.logger,
      metrics: this.metricsRegistry,
      version: options.version,
      pod: this.pod,
      prefix: options.prefix,
      banner: (options.banner ?? ECHO_DEFAULTS.banner) === 'full',
      idleTimeoutMs: options.idleTimeoutMs ?? ECHO_DEFAULTS.idleTimeoutMs,
      maxLineBytes: options.maxLineBytes ?? ECHO_DEFAULTS.maxLineBytes,
      finLingerMs: options.finLingerMs ?? ECHO_DEFAULTS.finLingerMs,
      onClosed: (connection, reason) => this.forget(connection, reason),
    };
  }

  private get pod(): string {
    return this.options.pod ?? os.hostname();
  }

  async start(): Promise<void> {
    const { host } = this.options;
    for (const port of this.options.ports ?? [ECHO_DEFAULTS.port]) {
      const listener = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
      this.listeners.push(listener);
      await listen(listener, this.options.ephemeralPorts ? 0 : port, host, 4096);
      this.ports.push((listener.address() as net.AddressInfo).port);
    }
    if (this.options.udp) {
      for (const port of this.ports) {
        const udp = await startUdpEcho({ port, host, prefix: this.options.prefix, metrics: this.metricsRegistry });
        this.udp.push(udp);
        this.udpPorts.push(udp.port);
      }
    }
    await this.startHealth();
    this.logger.info('listening', {
      ports: this.ports,
      healthPort: this.healthPort ?? null,
      version: this.options.version,
      pod: this.pod,
      udp: this.options.udp === true,
      ...(this.options.ephemeralPorts ? { requestedPorts: this.options.ports ?? [ECHO_DEFAULTS.port], requestedHealthPort: this.requestedHealthPort() } : {}),
    });
  }

  private requestedHealthPort(): number | null {
    return this.options.healthPort === undefined ? ECHO_DEFAULTS.healthPort : this.options.healthPort;
  }

  private async startHealth(): Promise<void> {
    const port = this.requestedHealthPort();
    if (port === null) return;
    this.health = await startHealthServer({
      port: this.options.ephemeralPorts ? 0 : port,
      host: this.options.host,
      isReady: () => this.ready,
      metrics: this.metricsRegistry,
    });
    this.healthPort = this.health.port;
  }

  private accept(socket: net.Socket): void {
    this.counts.total++;
    const limit = this.options.maxConnections ?? ECHO_DEFAULTS.maxConnections;
    if (limit > 0 && this.open.size >= limit) {
      this.reject(socket);
      return;
    }
    this.counts.active++;
    this.metricsRegistry.opened();
    this.open.add(new EchoConnection(socket, this.context));
  }

  private reject(socket: net.Socket): void {
    const peer = peerOf(socket);
    socket.on('error', () => undefined);
    socket.destroy();
    this.counts.byReason[EndReason.MaxConnections]++;
    this.metricsRegistry.rejected();
    const reason = EndReason.MaxConnections;
    logConnectionEnd(this.logger, { peer, version: this.options.version, durationMs: 0, bytesIn: 0, bytesOut: 0, reason });
  }

  private forget(connection: EchoConnection, reason: EndReason): void {
    if (!this.open.delete(connection)) return;
    this.counts.active--;
    this.counts.byReason[reason]++;
    if (this.open.size === 0) for (const notify of [...this.whenEmpty]) notify();
  }

  connections(): ConnectionCounts {
    return { ...this.counts, byReason: { ...this.counts.byReason } };
  }

  metrics(): Promise<string> {
    return this.metricsRegistry.text();
  }

  drain(graceMs = this.options.drainGraceMs ?? ECHO_DEFAULTS.drainGraceMs): Promise<void> {
    this.draining ??= this.runDrain(graceMs);
    return this.draining;
  }

  private async runDrain(graceMs: number): Promise<void> {
    this.stopAccepting();
    this.logger.info('draining', { graceMs, active: this.open.size });
    await this.noConnections(graceMs);
    for (const connection of this.open) connection.finish(EndReason.Drained);
    await this.noConnections(Infinity);
    await this.closeAuxiliary();
    this.logger.info('drained', {});
  }

  close(): Promise<void> {
    this.closing ??= this.runClose();
    return this.closing;
  }

  private async runClose(): Promise<void> {
    this.stopAccepting();
    for (const connection of this.open) connection.destroy(EndReason.Closed);
    await this.noConnections(Infinity);
    await this.closeAuxiliary();
  }

  private stopAccepting(): void {
    if (!this.ready) return;
    this.ready = false;
    this.metricsRegistry.notReady();
    for (const listener of this.listeners) if (listener.listening) listener.close();
  }

  private closeAuxiliary(): Promise<void> {
    this.auxiliaryClosed ??= Promise.all([...this.udp.map((u) => u.close()), this.health?.close()]).then(() => undefined);
    return this.auxiliaryClosed;
  }

  /** Resolves when no connection is open, or after timeoutMs. */
  private noConnections(timeoutMs: number): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        timer?.cancel();
        this.whenEmpty.delete(done);
        resolve();
      };
      const timer = Number.isFinite(timeoutMs) ? this.clock.setTimer(done, timeoutMs) : undefined;
      this.whenEmpty.add(done);
    });
  }
}

function zeroByReason(): Record<EndReason, number> {
  return Object.fromEntries(Object.values(EndReason).map((r) => [r, 0])) as Record<EndReason, number>;
}
