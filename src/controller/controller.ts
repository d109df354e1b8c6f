/**
 * The controller process: a TCPShift informer (every replica, so a standby's cache is warm and
 * `/readyz` means synced), Lease leader election (only the leader reconciles; a standby takes
 * over once the lease expires, client-go's rules), a work queue with workers calling
 * `Reconciler.reconcile`, the probers of the shifts it runs, Events, metrics and health ports.
 * `stop()` is the graceful SIGTERM path: stop reconciling, stop probing, checkpoint the status,
 * release the Lease, close everything.
 */
import { Informer, InvalidError, LeaderElector, LeaseKind, type KubeClient, type TCPShift } from '../kube/index.js';
import type { ProbeAllowlist } from '../probe/index.js';
import { createShiftProber, type ShiftProber } from '../shift/index.js';
import { checkProbeIdentity } from '../shift/preflight/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { deepEqual } from '../util/json-patch.js';
import type { Logger } from '../util/logger.js';
import { LeadershipEndedError } from './engine-driver.js';
import { ShardedEvents } from './event-sink.js';
import { startHttpPorts, type HttpPorts } from './http-servers.js';
import { keyOf } from './keys.js';
import { LeaseTrouble } from './lease-trouble.js';
import { LightProber } from './light-prober.js';
import { ProbeBudget, probeCost } from './probe-budget.js';
import { ProbeGuard, type Resolve } from './probe-guard.js';
import { ControllerMetrics } from './metrics.js';
import { Reconciler } from './reconciler.js';
import { runWorkers, WorkQueue } from './work-queue.js';

export type ProbeMode = 'full' | 'light';

export interface LeaseSettings {
  name: string;
  namespace: string;
  durationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface ControllerOptions {
  kube: KubeClient;
  identity: string;
  /** Watch TCPShifts of this namespace only; every namespace when undefined. */
  namespace?: string;
  lease: LeaseSettings;
  workers: number;
  probeMode: ProbeMode;
  /** Where probes may connect (`--probe-allow`). */
  probeAllow: ProbeAllowlist;
  /** Probe connections of all shifts together; shifts beyond it wait before their first write. */
  probeBudgetConnections: number;
  /** DNS lookups of probe hosts (default the system resolver). */
  resolve?: Resolve;
  /** How often the status of a baking shift is refreshed at most (status.split). */
  statusRefreshMs: number;
  healthPort: number;
  metricsPort: number;
  /** Interface of the HTTP ports; all when undefined. */
  host?: string;
  clock: Clock;
  logger: Logger;
}

export interface RunningController {
  readonly healthPort: number;
  readonly metricsPort: number;
  isLeader(): boolean;
  /** Graceful stop: stop reconciling and probing, checkpoint status, release the Lease. */
  stop(): Promise<void>;
}

/** A reconcile error that retrying cannot fix (the API refuses what we write): logged, not requeued. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

const isTerminalError = (error: unknown): boolean => error instanceof TerminalError || error instanceof InvalidError;
const CHECKPOINT_DEADLINE_MS = 15_000;
const EVENTS_DEADLINE_MS = 5_000;

interface Term {
  queue: WorkQueue;
  workers: Promise<void>;
}

export async function startController(options: ControllerOptions): Promise<RunningController> {
  const controller = new Controller(options);
  await controller.start();
  return controller;
}

class Controller implements RunningController {
  private readonly informer: Informer<TCPShift>;
  private readonly metrics: ControllerMetrics;
  private readonly events: ShardedEvents;
  private readonly reconciler: Reconciler;
  private readonly electionStop = new AbortController();
  private readonly elector: LeaderElector;
  private readonly leaseTrouble: LeaseTrouble;
  private http: HttpPorts | undefined;
  private synced: Promise<void> = Promise.resolve();
  private isSynced = false;
  private term: Term | undefined;
  private stepping: Promise<void> | undefined;
  private campaign: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: ControllerOptions) {
    const { kube, clock, logger, identity } = options;
    this.informer = new Informer(kube.tcpShifts, { clock, logger, ...(options.namespace ? { namespace: options.namespace } : { allNamespaces: true }) });
    this.metrics = new ControllerMetrics(
      () => this.informer.list().map((o) => (o.status as { phase?: string } | undefined)?.phase),
      () => this.term?.queue.length ?? 0,
    );
    this.events = new ShardedEvents({
      events: kube.events,
      clock,
      component: 'tcpshift-controller',
      host: identity,
      logger,
      onDrop: (reason) => this.metrics.eventDropped(reason),
    });
    const probeBudget = new ProbeBudget(options.probeBudgetConnections, (key) => this.term?.queue.add(key));
    this.metrics.watchProbeBudget(probeBudget);
    this.reconciler = new Reconciler({
      kube,
      cache: this.informer,
      createProber: (spec) => this.createProber(spec),
      wake: (key) => this.term?.queue.add(key),
      events: this.events,
      metrics: this.metrics,
      clock,
      identity,
      statusRefreshMs: options.statusRefreshMs,
      probeGuard: new ProbeGuard(options.probeAllow, clock, options.resolve),
      probeBudget,
      probeCost: (spec) => probeCost(options.probeMode, spec),
      // Light probes measure the control plane only (benchmark): no identification to check.
      checkProbes: options.probeMode === 'light' ? () => Promise.resolve() : (spec, check) => checkProbeIdentity(spec, clock, check),
    });
    this.leaseTrouble = new LeaseTrouble(`${options.lease.namespace}/${options.lease.name}`, clock, logger);
    this.elector = new LeaderElector({
      leases: kube.resource(LeaseKind, { retry: { maxAttempts: 1 } }),
      name: options.lease.name,
      namespace: options.lease.namespace,
      identity,
      clock,
      leaseDurationMs: options.lease.durationMs,
      renewDeadlineMs: options.lease.renewDeadlineMs,
      retryPeriodMs: options.lease.retryPeriodMs,
      logger,
      onStartedLeading: (signal) => this.lead(signal),
      onStoppedLeading: () => undefined,
      onNewLeader: (leader) => logger.info('leader observed', { leader, lease: `${options.lease.namespace}/${options.lease.name}` }),
      onAttempt: (error) => this.leaseTrouble.attempted(error),
    });
  }

  get healthPort(): number {
    return this.http?.healthPort ?? 0;
  }

  get metricsPort(): number {
    return this.http?.metricsPort ?? 0;
  }

  isLeader(): boolean {
    return this.term !== undefined;
  }

  async start(): Promise<void> {
    const { logger } = this.options;
    this.http = await startHttpPorts({
      healthPort: this.options.healthPort,
      metricsPort: this.options.metricsPort,
      ...(this.options.host !== undefined ? { host: this.options.host } : {}),
      isReady: () => this.isSynced && this.stopping === undefined,
      notReadyReason: () => this.leaseTrouble.reason(),
      metrics: async () => ({ text: await this.metrics.text(), contentType: this.metrics.contentType }),
    });
    this.informer.on({
      onAdd: (o) => this.enqueue(o),
      onUpdate: (previous, o) => {
        if (worthReconciling(previous, o)) this.enqueue(o);
      },
      onDelete: (o) => this.enqueue(o),
      onError: (error) => logger.warn('TCPShift watch failed; retrying', { error: error.message }),
    });
    this.synced = this.informer.start().then(() => {
      this.isSynced = true;
      logger.info('TCPShift cache synced', { shifts: this.informer.list().length });
    });
    this.campaign = this.campaignLoop();
    logger.info('serving', { healthPort: this.healthPort, metricsPort: this.metricsPort, identity: this.options.identity, probeMode: this.options.probeMode, probeAllow: this.options.probeAllow.text });
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const { logger } = this.options;
    logger.info('stopping: no more reconciles, probes stopped, status checkpointed, then the Lease released');
    const term = this.term;
    if (term) {
      term.queue.shutDown();
      await term.workers;
      await withDeadline(this.options.clock, this.reconciler.checkpoint(logger), CHECKPOINT_DEADLINE_MS, () => logger.warn('status checkpoint cut short'));
    }
    await this.stepDown();
    await withDeadline(this.options.clock, this.events.flush(), EVENTS_DEADLINE_MS, () => logger.warn('Events still unwritten at exit', { waiting: this.events.waiting() }));
    this.electionStop.abort();
    await this.campaign;
    await this.informer.stop();
    await this.http?.close();
    logger.info('stopped');
  }

  private async campaignLoop(): Promise<void> {
    const stop = this.electionStop.signal;
    while (!stop.aborted) {
      await this.elector.run(stop);
      await this.stepDown();
    }
  }

  private lead(signal: AbortSignal): void {
    const { logger, workers, clock } = this.options;
    logger.info('leading: reconciling TCPShifts', { identity: this.options.identity });
    this.metrics.leading(true);
    const queue = new WorkQueue({ clock });
    const run = async (): Promise<void> => {
      await this.synced;
      for (const object of this.informer.list()) queue.add(keyOf(object));
      await runWorkers(queue, workers, (key) => this.process(queue, key, signal));
    };
    this.term = { queue, workers: run() };
    signal.addEventListener('abort', () => void this.stepDown(), { once: true });
  }

  /** Leadership ended (lost, or stopping): no more reconciles, every prober stopped, no more writes. */
  private stepDown(): Promise<void> {
    const term = this.term;
    if (!term) return this.stepping ?? Promise.resolve();
    this.term = undefined;
    this.metrics.leading(false);
    this.stepping = (async () => {
      term.queue.shutDown();
      await term.workers;
      await this.reconciler.stopAll();
      this.options.logger.info('not leading: reconciles stopped');
    })();
    return this.stepping;
  }

  private enqueue(object: TCPShift): void {
    this.term?.queue.add(keyOf(object));
  }

  /** One reconcile at the boundary: errors are logged once here and retried with backoff (unless terminal). */
  private async process(queue: WorkQueue, key: string, leading: AbortSignal): Promise<void> {
    const { clock } = this.options;
    const logger = this.options.logger.child({ shift: key });
    const started = clock.monotonic();
    const seconds = (): number => (clock.monotonic() - started) / 1000;
    try {
      const result = await this.reconciler.reconcile({ logger, signal: leading }, key);
      logger.debug('reconciled', { requeueAfterMs: result.requeueAfterMs ?? null, ms: Math.round(seconds() * 1000) });
      queue.forget(key);
      if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      this.metrics.reconciled(result.requeueAfterMs === 0 ? 'requeue' : 'ok', seconds());
    } catch (error) {
      if (error instanceof LeadershipEndedError) {
        logger.info('reconcile stopped: leadership ended, nothing more written');
        return;
      }
      this.metrics.reconciled('error', seconds());
      const message = error instanceof Error ? error.message : String(error);
      if (isTerminalError(error)) {
        queue.forget(key);
        logger.error('reconcile failed (not retried)', { error: message });
        return;
      }
      const retryInMs = queue.addRateLimited(key);
      logger.warn('reconcile failed; retrying', { error: message, retryInMs });
    }
  }

  private createProber(spec: ResolvedSpec): ShiftProber {
    return this.options.probeMode === 'light' ? new LightProber(spec, this.options.clock) : createShiftProber(spec, this.options.clock);
  }
}

/** Updates that only touch the status (our own writes, mostly) need no reconcile. */
function worthReconciling(previous: TCPShift, next: TCPShift): boolean {
  const a = previous.metadata;
  const b = next.metadata;
  return (
    a.uid !== b.uid ||
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !deepEqual(a.annotations ?? {}, b.annotations ?? {}) ||
    !deepEqual(a.finalizers ?? [], b.finalizers ?? [])
  );
}

async function withDeadline(clock: Clock, work: Promise<void>, ms: number, onLate: () => void): Promise<void> {
  let timer: TimerHandle | undefined;
  const late = new Promise<void>((resolve) => {
    timer = clock.setTimer(() => {
      onLate();
      resolve();
    }, ms);
  });
  try {
    await Promise.race([work, late]);
  } finally {
    timer?.cancel();
  }
}
