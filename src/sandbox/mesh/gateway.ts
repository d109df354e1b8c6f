import type { KubeClient } from '../../kube/index.js';
import type { ConnectionObserver } from './connection-observer.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { ClusterLoadBalancer } from './cluster-load-balancer.js';
import { MeshConfigWatch } from './config-watch.js';
import { DEFAULT_EDS_MERGE_WINDOW_MS, EdsMergeWindow } from './eds-merge-window.js';
import type { Endpoint } from './endpoints.js';
import { INGRESS_GATEWAY_LABELS, type GatewayServer } from './gateway-servers.js';
import { GatewayListener, type ListenerDeps, type ListenerInfo } from './gateway-listener.js';
import type { Cluster, ListenerPlan } from './listener-plan.js';
import { assignedEndpoints, type ClusterLoadAssignment } from './load-assignment.js';
import { RoundRobin } from './picker.js';
import type { UpstreamTarget } from './proxy-connection.js';
import { buildXdsSnapshot, type ClusterResource } from './xds-snapshot.js';

/** Istio's default ProxyConfig drainDuration. */
export const DEFAULT_DRAIN_MS = 45_000;

/** The emulated ingress gateway's own locality: what `distribute[].from` is matched against. */
export const DEFAULT_GATEWAY_LOCALITY = 'tcpshift/gateway/ingress';

export interface MeshGatewayOptions {
  /** The API the gateway watches (informers over HTTPS). */
  kube: KubeClient;
  /** How long a replaced filter chain keeps its connections before closing them. Default 45 s. */
  drainMs?: number;
  /** Envoy's EDS `update_merge_window` (eds-merge-window.ts). Default 1 s; 0 delivers every update at once. */
  edsMergeWindowMs?: number;
  /** The gateway's own locality (`region/zone/subzone`), matched by `distribute[].from`. Default tcpshift/gateway/ingress. */
  locality?: string;
  /** Loopback address of the listeners. Default 127.0.0.1. */
  host?: string;
  /** Loopback port per Gateway server port (e.g. {31400: 15400}); absent or 0: any free port. */
  listenPorts?: Readonly<Record<number, number>>;
  /** Labels of the gateway workload, matched by each Gateway's selector. Default istio=ingressgateway. */
  workloadLabels?: Readonly<Record<string, string>>;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  /** Where to dial an endpoint (a fault proxy in front of it, say). Default: the endpoint itself. */
  upstreamFor?: (endpoint: Endpoint) => UpstreamTarget;
  /** Called after every recomputation and whenever a listener opens or goes. */
  onChange?: () => void;
  /** Also serve Gateway API Gateways of Istio's classes (their CRDs must be installed). */
  gatewayApi?: boolean;
  /** Told about every connection a tcp_proxy handles (Istio's TCP metrics: tcp-metrics.ts). */
  observer?: ConnectionObserver;
}

export interface MeshGateway {
  readonly drainMs: number;
  /** The listeners open now, by Gateway server port. */
  listeners(): ListenerInfo[];
  listener(gatewayPort: number): ListenerInfo | undefined;
  /** The TCP servers of the Gateways this gateway serves (one listener per port; several Gateways may name one port). */
  servers(): GatewayServer[];
  /** The endpoints a cluster has now (what a new connection to it may get: delivered EDS, listed localities only). */
  endpoints(cluster: Cluster): Endpoint[];
  /** The cluster's load assignment new connections use now (EDS as delivered after the merge window). */
  loadAssignment(clusterName: string): ClusterLoadAssignment | undefined;
  /** The cluster as CDS has it now (with whether locality-weighted load balancing is on). */
  cluster(clusterName: string): ClusterResource | undefined;
  readonly edsMergeWindowMs: number;
  /** Increases at every recomputation of the configuration. */
  readonly revision: number;
  close(): Promise<void>;
}

/**
 * The mesh gateway emulator: istiod + the ingress gateway's Envoy in one. It watches the
 * objects, plans listeners (listener-plan.ts) and serves them on loopback (gateway-listener.ts).
 */
class Gateway implements MeshGateway {
  readonly drainMs: number;
  revision = 0;
  private readonly watch: MeshConfigWatch;
  private readonly open = new Map<number, GatewayListener>();
  private readonly opening = new Map<number, Promise<void>>();
  /** The loopback port each gateway port got, kept so a re-created Gateway gets it back. */
  private readonly assigned = new Map<number, number>();
  private readonly problems = new Map<number, string>();
  private readonly failures: Error[] = [];
  private readonly deps: ListenerDeps;
  private readonly eds: EdsMergeWindow;
  private readonly roundRobin = new RoundRobin();
  private readonly balancers = new Map<string, ClusterLoadBalancer>();
  private clusters = new Map<string, ClusterResource>();
  private latest: ListenerPlan[] = [];
  private closed = false;
  /** istiod waits for its caches to sync before it pushes configuration. */
  private synced = false;
  private rebuilding = false;

  constructor(private readonly options: MeshGatewayOptions) {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    this.drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
    this.eds = new EdsMergeWindow(clock, options.edsMergeWindowMs ?? DEFAULT_EDS_MERGE_WINDOW_MS, (name) => {
      this.balancers.delete(name);
      this.logLocalityWeights(name, logger);
      // A merged update delivered later by its timer; a rebuild reports its own change once.
      if (this.synced && !this.rebuilding) this.options.onChange?.();
    });
    this.watch = new MeshConfigWatch(options.kube, { clock, logger, onChange: () => this.rebuild(), ...(options.gatewayApi ? { gatewayApi: true } : {}) });
    this.deps = {
      clock,
      logger,
      random: options.random ?? Math.random,
      drainMs: this.drainMs,
      pickEndpoint: (cluster) => this.balancerFor(cluster.name)?.pick(),
      upstreamFor: options.upstreamFor ?? ((e) => ({ host: e.address, port: e.port })),
      observer: options.observer,
    };
  }

  async start(): Promise<void> {
    await this.watch.start();
    this.synced = true;
    this.rebuild();
    await Promise.all(this.opening.values());
    const [failure] = this.failures;
    if (failure) throw failure;
  }

  listeners(): ListenerInfo[] {
    return [...this.open.values()].map((l) => l.info()).sort((a, b) => a.gatewayPort - b.gatewayPort);
  }

  listener(gatewayPort: number): ListenerInfo | undefined {
    return this.open.get(gatewayPort)?.info();
  }

  servers(): GatewayServer[] {
    return this.latest.flatMap((plan) => plan.servers);
  }

  get edsMergeWindowMs(): number {
    return this.eds.windowMs;
  }

  endpoints(cluster: Cluster): Endpoint[] {
    return assignedEndpoints(this.eds.delivered(cluster.name));
  }

  loadAssignment(clusterName: string): ClusterLoadAssignment | undefined {
    return this.eds.delivered(clusterName);
  }

  cluster(clusterName: string): ClusterResource | undefined {
    return this.clusters.get(clusterName);
  }

  /** `sandbox up` shows locality weight changes as it shows route changes. */
  private logLocalityWeights(clusterName: string, logger: Logger): void {
    const assignment = this.eds.delivered(clusterName);
    if (!assignment || !this.clusters.get(clusterName)?.localityWeighted) return;
    const weights = assignment.localities.filter((l) => l.endpoints.length > 0).map((l) => `${l.locality || '(none)'} ${l.weight}`);
    logger.info('gateway locality weights', { cluster: clusterName, weights: weights.join(', ') });
  }

  private balancerFor(clusterName: string): ClusterLoadBalancer | undefined {
    let balancer = this.balancers.get(clusterName);
    const cluster = this.clusters.get(clusterName);
    const assignment = this.eds.delivered(clusterName);
    if (!balancer && cluster && assignment) {
      balancer = new ClusterLoadBalancer(assignment, cluster.localityWeighted, this.roundRobin);
      this.balancers.set(clusterName, balancer);
    }
    return balancer;
  }

  private rebuild(): void {
    if (this.closed || !this.synced) return;
    const snapshot = buildXdsSnapshot(this.watch.objects(), this.options.workloadLabels ?? INGRESS_GATEWAY_LABELS, this.options.locality ?? DEFAULT_GATEWAY_LOCALITY);
    this.rebuilding = true;
    this.applyClusters(snapshot.clusters);
    for (const [name, resource] of snapshot.endpoints) this.eds.offer(name, resource);
    this.rebuilding = false;
    this.latest = snapshot.listeners;
    for (const plan of this.latest) this.applyPlan(plan);
    const wanted = new Set(this.latest.map((p) => p.gatewayPort));
    for (const [port, listener] of this.open) {
      if (wanted.has(port)) continue;
      this.open.delete(port);
      this.deps.logger.info('gateway listener removed', { gatewayPort: port });
      listener.remove();
    }
    this.revision++;
    this.options.onChange?.();
  }

  /**
   * CDS: a changed cluster replaces the old one for new connections (its EDS starts afresh);
   * established connections keep their upstream, as Envoy's tcp_proxy does when a cluster is
   * updated or removed.
   */
  private applyClusters(next: Map<string, ClusterResource>): void {
    for (const [name, previous] of this.clusters) {
      const now = next.get(name);
      if (now?.hash === previous.hash) continue;
      this.deps.logger.info(now ? 'gateway cluster changed' : 'gateway cluster removed', { cluster: name, ...(now ? { localityWeighted: now.localityWeighted } : {}) });
      this.eds.forget(name);
      this.balancers.delete(name);
    }
    this.clusters = next;
  }

  private applyPlan(plan: ListenerPlan): void {
    this.reportProblem(plan);
    const listener = this.open.get(plan.gatewayPort);
    if (listener) listener.apply(plan);
    else if (!this.opening.has(plan.gatewayPort)) this.opening.set(plan.gatewayPort, this.openListener(plan));
  }

  private reportProblem(plan: ListenerPlan): void {
    const previous = this.problems.get(plan.gatewayPort);
    if (plan.problem === previous) return;
    if (plan.problem) {
      this.problems.set(plan.gatewayPort, plan.problem);
      this.deps.logger.warn('gateway route rejected (istiod would refuse it)', { gatewayPort: plan.gatewayPort, problem: plan.problem });
    } else this.problems.delete(plan.gatewayPort);
  }

  /** Bind a listener; never rejects (a failure is logged, and fails start()). */
  private async openListener(plan: ListenerPlan): Promise<void> {
    const port = plan.gatewayPort;
    const requested = this.options.listenPorts?.[port];
    const preferred = requested || this.assigned.get(port) || 0;
    try {
      const listener = await GatewayListener.open(plan, this.options.host ?? '127.0.0.1', preferred, !requested, this.deps);
      this.opening.delete(port);
      if (this.closed) {
        await listener.close();
        return;
      }
      this.assigned.set(port, listener.port);
      this.open.set(port, listener);
      this.deps.logger.info('gateway listening', { gatewayPort: port, address: `${listener.host}:${listener.port}` });
      this.options.onChange?.();
      // Objects may have changed while binding: catch up with the latest plan.
      const latest = this.latest.find((p) => p.gatewayPort === port);
      if (latest) listener.apply(latest);
      else this.rebuild();
    } catch (error) {
      this.opening.delete(port);
      const failure = new Error(`gateway port ${port}: cannot listen on ${this.options.host ?? '127.0.0.1'}:${preferred}: ${(error as Error).message}`, { cause: error });
      this.failures.push(failure);
      this.deps.logger.error('gateway listener failed', { gatewayPort: port, error: failure.message });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.eds.close();
    await this.watch.stop();
    await Promise.allSettled(this.opening.values());
    await Promise.all([...this.open.values()].map((l) => l.close()));
    this.open.clear();
  }
}

/** Start the gateway; resolves once the objects are listed and every listener is bound. */
export async function startMeshGateway(options: MeshGatewayOptions): Promise<MeshGateway> {
  const gateway = new Gateway(options);
  try {
    await gateway.start();
  } catch (error) {
    await gateway.close();
    throw error;
  }
  return gateway;
}
