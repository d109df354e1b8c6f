import net from 'node:net';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { ConnectionObserver } from './connection-observer.js';
import type { Endpoint } from './endpoints.js';
import type { Cluster, ListenerPlan, TcpProxyConfig } from './listener-plan.js';
import { pickCluster } from './picker.js';
import { ProxyConnection, type UpstreamTarget } from './proxy-connection.js';

/** What a listener needs from the gateway: a cluster's load balancer, where to dial, randomness, timers. */
export interface ListenerDeps {
  clock: Clock;
  logger: Logger;
  random: () => number;
  drainMs: number;
  /** The host a new connection to this cluster gets now (the cluster's load balancer over its delivered EDS); undefined: none. */
  pickEndpoint(cluster: Cluster): Endpoint | undefined;
  upstreamFor(endpoint: Endpoint): UpstreamTarget;
  /** Told about each connection the tcp_proxy handles (Istio's TCP metrics). */
  observer?: ConnectionObserver;
}

export interface ListenerCounters {
  accepted: number;
  /** Closed at once: no route, or no endpoint in the chosen cluster. */
  noUpstream: number;
  /** Closed by the end of a drain. */
  drained: number;
}

export interface ListenerInfo {
  gatewayPort: number;
  host: string;
  port: number;
  tcpProxy: TcpProxyConfig | undefined;
  /** Increases at every filter chain replacement. */
  generation: number;
  /** Open connections under the current filter chain. */
  active: number;
  /** Open connections of replaced chains, waiting for their drain to end. */
  draining: number;
  counters: ListenerCounters;
}

/** The connections opened under one filter chain. */
class Generation {
  readonly connections = new Set<ProxyConnection>();
  drainTimer: TimerHandle | undefined;

  constructor(
    readonly id: number,
    readonly tcpProxy: TcpProxyConfig | undefined,
  ) {}
}

/**
 * One gateway port on loopback: each new connection follows the current filter chain (weighted
 * cluster, then round robin over its endpoints); a route change starts a new chain, and the
 * connections of the old one are destroyed when its drain ends, as Envoy does for tcp_proxy.
 */
export class GatewayListener {
  private current: Generation;
  private readonly draining = new Set<Generation>();
  private readonly counters: ListenerCounters = { accepted: 0, noUpstream: 0, drained: 0 };
  private accepting = true;

  private constructor(
    readonly gatewayPort: number,
    private readonly server: net.Server,
    private readonly deps: ListenerDeps,
    plan: ListenerPlan,
  ) {
    this.current = new Generation(1, plan.tcpProxy);
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listen on host:port (0: any free port); with `fallback`, a busy port falls back to a free one. */
  static async open(plan: ListenerPlan, host: string, port: number, fallback: boolean, deps: ListenerDeps): Promise<GatewayListener> {
    const server = net.createServer({ allowHalfOpen: true });
    try {
      await listen(server, host, port);
    } catch (error) {
      if (!fallback || port === 0) throw error;
      await listen(server, host, 0);
    }
    return new GatewayListener(plan.gatewayPort, server, deps, plan);
  }

  get host(): string {
    return (this.server.address() as net.AddressInfo).address;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  info(): ListenerInfo {
    let draining = 0;
    for (const g of this.draining) draining += g.connections.size;
    return {
      gatewayPort: this.gatewayPort,
      host: this.host,
      port: this.port,
      tcpProxy: this.current.tcpProxy,
      generation: this.current.id,
      active: this.current.connections.size,
      draining,
      counters: { ...this.counters },
    };
  }

  /** Apply a new plan; a different tcp_proxy replaces the filter chain and drains the old one. True when it did. */
  apply(plan: ListenerPlan): boolean {
    if (plan.tcpProxy?.key === this.current.tcpProxy?.key) return false;
    const old = this.current;
    this.current = new Generation(old.id + 1, plan.tcpProxy);
    this.deps.logger.info('gateway route changed', {
      gatewayPort: this.gatewayPort,
      route: describeRoute(plan.tcpProxy),
      draining: old.connections.size,
      drainMs: this.deps.drainMs,
    });
    this.drain(old);
    return true;
  }

  /** The listener is gone from the config: stop accepting, drain what is open. */
  remove(): void {
    this.stopAccepting();
    this.drain(this.current);
  }

  /** Close everything now. */
  async close(): Promise<void> {
    this.stopAccepting();
    const closing = [this.current, ...this.draining].flatMap((g) => {
      g.drainTimer?.cancel();
      return [...g.connections].map((c) => {
        c.destroy();
        return c.whenClosed();
      });
    });
    await Promise.all(closing);
  }

  private stopAccepting(): void {
    if (!this.accepting) return;
    this.accepting = false;
    this.server.close();
  }

  private drain(generation: Generation): void {
    if (generation.connections.size === 0) return;
    this.draining.add(generation);
    generation.drainTimer = this.deps.clock.setTimer(() => {
      this.draining.delete(generation);
      if (generation.connections.size > 0) {
        this.deps.logger.info('gateway drain ended: closing connections', { gatewayPort: this.gatewayPort, generation: generation.id, connections: generation.connections.size });
      }
      for (const c of generation.connections) {
        this.counters.drained++;
        c.destroy();
      }
    }, this.deps.drainMs);
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    this.counters.accepted++;
    const generation = this.current;
    const chosen = generation.tcpProxy && pickCluster(generation.tcpProxy.clusters, this.deps.random);
    const endpoint = chosen && this.deps.pickEndpoint(chosen.cluster);
    if (!endpoint) {
      this.counters.noUpstream++;
      if (chosen) this.deps.observer?.noHealthyUpstream(chosen.cluster);
      socket.destroy();
      return;
    }
    const connection = new ProxyConnection(socket, this.deps.upstreamFor(endpoint), endpoint, this.deps.clock.now());
    this.deps.observer?.proxied(connection, chosen.cluster);
    generation.connections.add(connection);
    void connection.whenClosed().then(() => this.forget(generation, connection));
  }

  private forget(generation: Generation, connection: ProxyConnection): void {
    generation.connections.delete(connection);
    if (generation.connections.size === 0 && this.draining.delete(generation)) generation.drainTimer?.cancel();
  }
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** `v1 90, v2 10` style text of a tcp_proxy for logs. */
export function describeRoute(tcpProxy: TcpProxyConfig | undefined): string {
  if (!tcpProxy) return 'none';
  if (!tcpProxy.weighted) return `${tcpProxy.clusters[0]?.cluster.name ?? ''} (all)`;
  return tcpProxy.clusters.map((c) => `${c.cluster.name} ${c.weight}`).join(', ');
}
