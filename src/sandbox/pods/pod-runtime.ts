import { EventRecorder, Informer, isRetryable, NotFoundError, updateWithConflictRetry, type KubeClient, type Pod } from '../../kube/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { launchContainer, type LaunchOutcome } from './container-launch.js';
import { podStatus, terminatedState, type ContainerRecord } from './container-status.js';
import type { EchoProcess } from './echo-process.js';
import { NODE_NAME, PID_ANNOTATION, podName, podObject, PORTS_ANNOTATION, POD_FINALIZER, templateHash, terminationGraceSeconds, type Deployment } from './pod-manifest.js';
import { ReadinessProbe } from './readiness-probe.js';
import { KUBELET_BACKOFF, nextBackoffMs, type BackoffPolicy } from './restart-backoff.js';

/**
 * The sandbox's kubelet: runs the first container of each pod as a real tcpshift-echo process, in
 * any namespace. `run(deployment)` creates the Pod object (Pending), then starts the container
 * (container-launch.ts): an image it cannot run, or a missing ConfigMap, leaves the pod waiting
 * with the kubelet's reason and a Warning Event; once the process listens, the pod's loopback
 * ports go into its annotations and it turns Running, Ready from /readyz. A container that
 * exits is restarted in place with the kubelet's back-off (restartCount, lastState, waiting
 * CrashLoopBackOff, a BackOff Event). Deleting the Pod object (deletionTimestamp) sends SIGTERM;
 * the process drains for its --drain-grace, SIGKILL follows after terminationGracePeriodSeconds;
 * once it has exited our finalizer is removed and the object goes.
 */
export interface RunningPodInfo {
  name: string;
  namespace: string;
  /** The `version` label. */
  version: string;
  /** The owning Deployment's uid. */
  owner: string;
  /** 0 while no process runs. */
  pid: number;
  /** The first TCP port on 127.0.0.1 (0 while no process runs). */
  port: number;
  /** Each container port the process listens on -> its loopback port. */
  ports: Record<number, number>;
  /** Loopback port of the process's metrics endpoint (the echo's health port: /metrics), if any. */
  metricsPort?: number | undefined;
  ready: boolean;
  /** Deletion started: SIGTERM sent or about to be. */
  terminating: boolean;
}

export interface PodRuntimeOptions {
  kube: KubeClient;
  /** Run the pods of this namespace only; default every namespace. */
  namespace?: string;
  clock: Clock;
  logger: Logger;
  /** --drain-grace of each echo process (the container's own flag wins). */
  drainGraceMs: number;
  readinessPeriodMs?: number;
  random?: () => number;
  /** Crash-loop back-off; default the kubelet's (10 s doubling to 5 min). */
  backoff?: BackoffPolicy;
  /** Awaited once the process listens and before its pod turns Running (nothing can route to it yet). */
  beforeServing?(pod: RunningPodInfo): Promise<void>;
  /** Called when a pod's process has exited. */
  afterExit?(pod: RunningPodInfo): void;
}

interface PodEntry {
  info: RunningPodInfo;
  pod: Pod;
  container: ContainerRecord;
  process?: EchoProcess;
  probe?: ReadinessProbe;
  createdAt: string;
  runStartedAt: number;
  /** undefined: no restart yet; else the last back-off delay. */
  backoffMs: number | undefined;
  graceSeconds: number;
  restartTimer?: TimerHandle;
  killTimer?: TimerHandle;
  writes: Promise<void>;
  gone: Promise<void>;
  markGone(): void;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

/** Where the process serves /metrics: the echo's health port (its HTTP readiness port). */
function metricsPortOf(process: { readonly healthPort?: number | undefined; readonly readiness?: { kind: string; port: number } | undefined }): number | undefined {
  return process.healthPort ?? (process.readiness?.kind === 'httpGet' ? process.readiness.port : undefined);
}

export class PodRuntime {
  private readonly entries = new Map<string, PodEntry>();
  private readonly listeners = new Set<() => void>();
  private readonly starting = new Set<Promise<void>>();
  private readonly informer: Informer<Pod>;
  private readonly events: EventRecorder;
  private stopping = false;
  private readonly exitHook = (): void => this.killAllNow();

  constructor(private readonly options: PodRuntimeOptions) {
    const scope = options.namespace === undefined ? { allNamespaces: true } : { namespace: options.namespace };
    this.informer = new Informer(options.kube.pods, { ...scope, clock: options.clock, logger: options.logger }).on({
      onUpdate: (_, pod) => this.observed(pod),
      onAdd: (pod) => this.observed(pod),
      onDelete: (pod) => this.objectGone(pod),
    });
    this.events = new EventRecorder({ events: options.kube.events, clock: options.clock, component: 'kubelet', host: NODE_NAME, logger: options.logger });
  }

  async start(): Promise<void> {
    // If this process exits without stop() (process.exit on a second Ctrl-C, a crash), take the children along.
    process.once('exit', this.exitHook);
    await this.informer.start();
  }

  /** Called whenever the set of pods or their readiness changes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): RunningPodInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e.info })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Resolves when the pod's process has exited and its object is gone (at once for unknown pods). */
  whenGone(name: string, namespace: string): Promise<void> {
    return this.entries.get(keyOf(namespace, name))?.gone ?? Promise.resolve();
  }

  /** Create one pod of the Deployment and start its container; resolves once the Pod object exists (or could not be made). */
  run(deployment: Deployment): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const starting = this.createPod(deployment);
    this.starting.add(starting);
    return starting.finally(() => this.starting.delete(starting));
  }

  private async createPod(deployment: Deployment): Promise<void> {
    const template = deployment.spec?.template;
    const hash = templateHash(template);
    const namespace = deployment.metadata.namespace ?? 'default';
    const name = podName(deployment.metadata.name ?? 'pod', hash, this.options.random ?? Math.random);
    const entry = this.newEntry(podObject({ name, namespace, deployment, hash }), deployment);
    this.entries.set(keyOf(namespace, name), entry);
    this.changed();
    // The container starts while the object is created (a process takes a while to boot; the
    // sandbox installs its CRDs meanwhile); nothing is reported before the object exists.
    const created = this.options.kube.pods.create(entry.pod).then(
      (pod) => {
        entry.pod = pod;
        this.writeStatus(entry);
        return true;
      },
      (error: unknown) => {
        this.options.logger.error('pod not created', { pod: name, namespace, error: (error as Error).message });
        this.forget(entry);
        return false;
      },
    );
    void this.launch(entry, created);
    await created;
  }

  private newEntry(pod: Pod, deployment: Deployment): PodEntry {
    const template = deployment.spec?.template;
    const container = template?.spec?.containers?.[0];
    let markGone = (): void => undefined;
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    return {
      info: {
        name: pod.metadata.name ?? '',
        namespace: pod.metadata.namespace ?? 'default',
        version: template?.metadata?.labels?.version ?? '',
        owner: deployment.metadata.uid ?? '',
        pid: 0,
        port: 0,
        ports: {},
        ready: false,
        terminating: false,
      },
      pod,
      container: { name: container?.name ?? 'container', image: container?.image ?? '', state: { waiting: { reason: 'ContainerCreating' } }, restartCount: 0, ready: false, hasRun: false },
      createdAt: new Date(this.options.clock.now()).toISOString(),
      runStartedAt: 0,
      backoffMs: undefined,
      graceSeconds: terminationGraceSeconds(template),
      writes: Promise.resolve(),
      gone,
      markGone,
    };
  }

  private live(entry: PodEntry): boolean {
    return !this.stopping && !entry.info.terminating && this.entries.get(keyOf(entry.info.namespace, entry.info.name)) === entry;
  }

  private async launch(entry: PodEntry, created: Promise<boolean> = Promise.resolve(true)): Promise<void> {
    if (!this.live(entry)) return;
    const outcome = await launchContainer(entry.pod, { kube: this.options.kube, logger: this.options.logger, drainGraceMs: this.options.drainGraceMs }).catch(
      (error: unknown): LaunchOutcome => ({ kind: 'config-error', reason: 'CreateContainerError', message: (error as Error).message }),
    );
    if (!(await created) || !this.live(entry)) {
      if (outcome.kind === 'started') outcome.process.signal('SIGKILL');
      return;
    }
    if (outcome.kind === 'started') return this.started(entry, outcome.process);
    if (outcome.kind === 'exited') return this.containerExited(entry, outcome.error.exit, outcome.error.output);
    this.waiting(entry, outcome.reason, outcome.message);
    this.event(entry, 'Warning', 'Failed', outcome.kind === 'unsupported-image' ? `Failed to pull image "${entry.container.image}": ${outcome.message}` : `Error: ${outcome.message}`);
    // A missing ConfigMap or Secret may appear: the kubelet retries at its next sync.
    if (outcome.kind === 'config-error') this.retryLater(entry, (this.options.backoff ?? KUBELET_BACKOFF).initialMs);
  }

  private waiting(entry: PodEntry, reason: string, message: string): void {
    this.options.logger.warn('pod waiting', { pod: entry.info.name, namespace: entry.info.namespace, reason, message });
    entry.container.state = { waiting: { reason, message } };
    this.writeStatus(entry);
  }

  private async started(entry: PodEntry, process: EchoProcess): Promise<void> {
    entry.process = process;
    entry.runStartedAt = this.options.clock.monotonic();
    Object.assign(entry.info, { pid: process.pid, port: process.port, ports: { ...process.ports }, metricsPort: metricsPortOf(process) });
    void process.exited.then((exit) => {
      this.options.afterExit?.({ ...entry.info });
      if (this.live(entry) && entry.process === process) this.containerExited(entry, exit, process.output());
    });
    await this.options.beforeServing?.({ ...entry.info });
    await this.writeAnnotations(entry, process);
    entry.container.state = { running: { startedAt: new Date(this.options.clock.now()).toISOString() } };
    entry.container.hasRun = true;
    this.writeStatus(entry);
    this.event(entry, 'Normal', 'Started', `Started container ${entry.container.name}`);
    this.options.logger.info('pod started', { pod: entry.info.name, namespace: entry.info.namespace, pid: process.pid, ports: process.ports });
    this.startProbe(entry, process);
  }

  private async writeAnnotations(entry: PodEntry, process: EchoProcess): Promise<void> {
    const annotations = { [PID_ANNOTATION]: String(process.pid), [PORTS_ANNOTATION]: JSON.stringify(process.ports) };
    try {
      await this.options.kube.pods.patch(entry.info.name, entry.info.namespace, { type: 'merge', body: { metadata: { annotations } } });
    } catch (error) {
      if (!(error instanceof NotFoundError)) this.options.logger.warn('pod annotations not written', { pod: entry.info.name, error: (error as Error).message });
    }
  }

  /** The container ended on its own: record it, restart after the back-off. */
  private containerExited(entry: PodEntry, exit: { code: number | null; signal: NodeJS.Signals | null }, output: string): void {
    entry.probe?.stop();
    entry.process = undefined;
    Object.assign(entry.info, { ready: false, pid: 0, port: 0, ports: {}, metricsPort: undefined });
    this.changed();
    const now = new Date(this.options.clock.now()).toISOString();
    const startedAt = 'running' in entry.container.state ? entry.container.state.running.startedAt : now;
    entry.container.lastTerminated = terminatedState(exit, output, startedAt, now);
    entry.container.ready = false;
    const ranMs = entry.runStartedAt ? this.options.clock.monotonic() - entry.runStartedAt : 0;
    entry.backoffMs = nextBackoffMs(this.options.backoff ?? KUBELET_BACKOFF, entry.backoffMs, ranMs);
    this.options.logger.warn('pod container exited', { pod: entry.info.name, namespace: entry.info.namespace, exit: entry.container.lastTerminated, restartInMs: entry.backoffMs });
    if (entry.backoffMs > 0) {
      const container = entry.container.name;
      const who = `${entry.info.name}_${entry.info.namespace}(${entry.pod.metadata.uid ?? ''})`;
      entry.container.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(entry.backoffMs / 1000)}s restarting failed container=${container} pod=${who}` } };
      this.event(entry, 'Warning', 'BackOff', `Back-off restarting failed container ${container} in pod ${who}`);
    } else {
      entry.container.state = { waiting: { reason: 'ContainerCreating' } };
    }
    this.writeStatus(entry);
    this.retryLater(entry, entry.backoffMs, true);
  }

  private retryLater(entry: PodEntry, delayMs: number, restart = false): void {
    entry.restartTimer = this.options.clock.setTimer(() => {
      if (restart) entry.container.restartCount += 1;
      void this.launch(entry);
    }, delayMs);
  }

  private startProbe(entry: PodEntry, process: EchoProcess): void {
    const ready = (value: boolean): void => {
      if (!this.live(entry) || entry.process !== process) return;
      entry.info.ready = value;
      entry.container.ready = value;
      this.writeStatus(entry, () => this.changed());
    };
    if (process.healthPort === undefined) {
      ready(true);
      return;
    }
    entry.probe = new ReadinessProbe({ port: process.healthPort, periodMs: this.options.readinessPeriodMs ?? 250, clock: this.options.clock, onChange: ready });
    entry.probe.start();
  }

  /** Status writes of a pod go out one at a time, each with the state at the time it is sent. */
  private writeStatus(entry: PodEntry, then?: () => void): void {
    entry.writes = entry.writes.then(async () => {
      const now = new Date(this.options.clock.now()).toISOString();
      await this.patchStatus(entry, podStatus(entry.container, entry.createdAt, now));
      then?.();
    });
  }

  private async patchStatus(entry: PodEntry, status: Record<string, unknown>): Promise<void> {
    try {
      await this.options.kube.pods.patch(entry.info.name, entry.info.namespace, { type: 'merge', body: { status } }, { status: true });
    } catch (error) {
      if (!(error instanceof NotFoundError) && !this.stopping) this.options.logger.warn('pod status not written', { pod: entry.info.name, error: (error as Error).message });
    }
  }

  private event(entry: PodEntry, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.event({ ...entry.pod, apiVersion: 'v1', kind: 'Pod' }, type, reason, message);
  }

  /** A Pod object changed: a deletionTimestamp on one of ours starts its termination. */
  private observed(pod: Pod): void {
    const entry = this.entries.get(keyOf(pod.metadata.namespace ?? 'default', pod.metadata.name ?? ''));
    if (!entry || !pod.metadata.deletionTimestamp || entry.info.terminating) return;
    this.terminate(entry);
  }

  private terminate(entry: PodEntry): void {
    entry.info.terminating = true;
    entry.info.ready = false;
    entry.probe?.stop();
    entry.restartTimer?.cancel();
    this.changed();
    this.options.logger.info('pod terminating: SIGTERM, draining', { pod: entry.info.name, pid: entry.info.pid, graceSeconds: entry.graceSeconds });
    entry.process?.signal('SIGTERM');
    entry.killTimer = this.options.clock.setTimer(() => entry.process?.signal('SIGKILL'), entry.graceSeconds * 1000);
    void this.finishTermination(entry);
  }

  private async finishTermination(entry: PodEntry): Promise<void> {
    await entry.process?.exited;
    entry.killTimer?.cancel();
    if (this.stopping) return;
    await this.removeFinalizer(entry.info.name, entry.info.namespace);
  }

  private async removeFinalizer(name: string, namespace: string): Promise<void> {
    try {
      await updateWithConflictRetry(this.options.kube.pods, name, namespace, (pod) => {
        const finalizers = pod.metadata.finalizers ?? [];
        if (!finalizers.includes(POD_FINALIZER)) return undefined;
        return { ...pod, metadata: { ...pod.metadata, finalizers: finalizers.filter((f) => f !== POD_FINALIZER) } };
      });
    } catch (error) {
      if (error instanceof NotFoundError || this.stopping) return;
      this.options.logger.error('pod finalizer not removed', { pod: name, error: (error as Error).message });
      if (isRetryable(error)) await this.removeFinalizer(name, namespace);
    }
  }

  /** The Pod object is gone (finalizer removed, or forced): make sure its process is too. */
  private objectGone(pod: Pod): void {
    const entry = this.entries.get(keyOf(pod.metadata.namespace ?? 'default', pod.metadata.name ?? ''));
    if (!entry) return;
    entry.info.terminating = true;
    entry.restartTimer?.cancel();
    entry.process?.signal('SIGKILL');
    void (entry.process?.exited ?? Promise.resolve()).then(() => this.forget(entry));
  }

  private forget(entry: PodEntry): void {
    entry.probe?.stop();
    entry.killTimer?.cancel();
    entry.restartTimer?.cancel();
    const key = keyOf(entry.info.namespace, entry.info.name);
    if (this.entries.get(key) === entry) this.entries.delete(key);
    entry.markGone();
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private killAllNow(): void {
    for (const entry of this.entries.values()) entry.process?.signal('SIGKILL');
  }

  /**
   * Stop every process: SIGTERM (each drains what is left, none when the gateway is already
   * closed), SIGKILL after `graceMs`. Objects are left as they are (the API goes away too).
   */
  async stop(graceMs = 5000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.informer.stop();
    await Promise.allSettled(this.starting);
    const entries = [...this.entries.values()];
    for (const entry of entries) {
      entry.probe?.stop();
      entry.restartTimer?.cancel();
      entry.process?.signal('SIGTERM');
    }
    const kill = this.options.clock.setTimer(() => this.killAllNow(), graceMs);
    await Promise.all(entries.map((e) => e.process?.exited ?? Promise.resolve()));
    kill.cancel();
    await Promise.race([Promise.all([...entries.map((e) => e.writes), this.events.flush()]), this.options.clock.sleep(1000)]).catch(() => undefined);
    for (const entry of entries) this.forget(entry);
    process.off('exit', this.exitHook);
  }
}
