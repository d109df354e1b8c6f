import { Informer, isRetryable, NotFoundError, updateWithConflictRetry, type KubeClient, type Pod } from '../../kube/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { spawnEchoProcess, type EchoProcess } from './echo-process.js';
import { failedStatus, podName, podObject, POD_FINALIZER, runningStatus, terminationGraceSeconds, templateHash, type Deployment } from './pod-manifest.js';
import { ReadinessProbe } from './readiness-probe.js';

/**
 * The sandbox's kubelet: runs each pod as a real tcpshift-echo process. A pod is started by
 * `run(deployment)` (process first: the Pod object carries the real loopback port as its
 * containerPort, and spec is immutable), carries a finalizer of ours, and gets its Ready
 * condition from /readyz. Deleting the Pod object (deletionTimestamp) sends SIGTERM; the
 * process drains for its --drain-grace, SIGKILL follows after terminationGracePeriodSeconds;
 * once it has exited the finalizer is removed and the object goes. A process that exits on its
 * own fails its pod, which is then deleted (the Deployment controller replaces it).
 */
export interface RunningPodInfo {
  name: string;
  namespace: string;
  /** The `version` label. */
  version: string;
  /** The owning Deployment's uid. */
  owner: string;
  pid: number;
  /** The echo's TCP port on 127.0.0.1. */
  port: number;
  healthPort: number;
  ready: boolean;
  /** Deletion started: SIGTERM sent or about to be. */
  terminating: boolean;
}

export interface PodRuntimeOptions {
  kube: KubeClient;
  namespace: string;
  clock: Clock;
  logger: Logger;
  /** --drain-grace of each echo process. */
  drainGraceMs: number;
  readinessPeriodMs?: number;
  random?: () => number;
  /** Awaited once the process listens and before its Pod object exists (nothing can route to it yet). */
  beforeServing?(pod: RunningPodInfo): Promise<void>;
  /** Called when a pod's process has exited. */
  afterExit?(pod: RunningPodInfo): void;
}

interface PodEntry {
  info: RunningPodInfo;
  process?: EchoProcess;
  probe?: ReadinessProbe;
  startedAt: string;
  graceSeconds: number;
  containerName: string;
  killTimer?: TimerHandle;
  gone: Promise<void>;
  markGone(): void;
  /** The Pod object exists in the API. */
  created: boolean;
}

const RETRY_AFTER_FAILED_START_MS = 1000;

export class PodRuntime {
  private readonly entries = new Map<string, PodEntry>();
  private readonly listeners = new Set<() => void>();
  private readonly starting = new Set<Promise<void>>();
  private readonly informer: Informer<Pod>;
  private stopping = false;
  private readonly exitHook = (): void => this.killAllNow();

  constructor(private readonly options: PodRuntimeOptions) {
    this.informer = new Informer(options.kube.pods, { namespace: options.namespace, clock: options.clock, logger: options.logger }).on({
      onUpdate: (_, pod) => this.observed(pod),
      onAdd: (pod) => this.observed(pod),
      onDelete: (pod) => this.objectGone(pod.metadata.name ?? ''),
    });
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

  get(name: string): RunningPodInfo | undefined {
    const entry = this.entries.get(name);
    return entry && { ...entry.info };
  }

  /** Resolves when the pod's process has exited and its object is gone (at once for unknown pods). */
  whenGone(name: string): Promise<void> {
    return this.entries.get(name)?.gone ?? Promise.resolve();
  }

  /** Start one pod of the Deployment; resolves once its Pod object exists (or the start failed). */
  run(deployment: Deployment): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const starting = this.startPod(deployment);
    this.starting.add(starting);
    return starting.finally(() => this.starting.delete(starting));
  }

  private async startPod(deployment: Deployment): Promise<void> {
    const template = deployment.spec?.template;
    const hash = templateHash(template);
    const name = podName(deployment.metadata.name ?? 'pod', hash, this.options.random ?? Math.random);
    const entry = this.newEntry(name, deployment);
    this.entries.set(name, entry);
    this.changed();
    try {
      const process = await spawnEchoProcess({ pod: name, args: template?.spec?.containers?.[0]?.args ?? [], drainGraceMs: this.options.drainGraceMs, logger: this.options.logger });
      entry.process = process;
      if (this.stopping) {
        process.signal('SIGKILL');
        return;
      }
      Object.assign(entry.info, { pid: process.pid, port: process.port, healthPort: process.healthPort });
      void process.exited.then(() => this.processExited(entry));
      await this.options.beforeServing?.({ ...entry.info });
      await this.options.kube.pods.create(podObject({ name, namespace: this.options.namespace, deployment, hash, pid: process.pid, port: process.port, healthPort: process.healthPort }));
      entry.created = true;
      this.options.logger.info('pod started', { pod: name, pid: process.pid, port: process.port });
      await this.writeStatus(entry, false);
      this.startProbe(entry, process);
    } catch (error) {
      if (this.stopping) return;
      this.options.logger.error('pod failed to start', { pod: name, error: (error as Error).message });
      entry.process?.signal('SIGKILL');
      // Keep counting the failed pod for a while so the controller does not retry in a hot loop.
      await this.options.clock.sleep(RETRY_AFTER_FAILED_START_MS).catch(() => undefined);
      if (entry.created) await this.deleteObject(name);
      else this.forget(entry);
    }
  }

  private newEntry(name: string, deployment: Deployment): PodEntry {
    const template = deployment.spec?.template;
    let markGone = (): void => undefined;
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    return {
      info: {
        name,
        namespace: this.options.namespace,
        version: template?.metadata?.labels?.version ?? '',
        owner: deployment.metadata.uid ?? '',
        pid: 0,
        port: 0,
        healthPort: 0,
        ready: false,
        terminating: false,
      },
      startedAt: new Date(this.options.clock.now()).toISOString(),
      graceSeconds: terminationGraceSeconds(template),
      containerName: template?.spec?.containers?.[0]?.name ?? 'echo',
      gone,
      markGone,
      created: false,
    };
  }

  private startProbe(entry: PodEntry, process: EchoProcess): void {
    entry.probe = new ReadinessProbe({
      port: process.healthPort,
      periodMs: this.options.readinessPeriodMs ?? 250,
      clock: this.options.clock,
      onChange: (ready) => {
        if (entry.info.terminating) return;
        entry.info.ready = ready;
        void this.writeStatus(entry, ready).then(() => this.changed());
      },
    });
    entry.probe.start();
  }

  private async writeStatus(entry: PodEntry, ready: boolean): Promise<void> {
    const now = new Date(this.options.clock.now()).toISOString();
    await this.patchStatus(entry.info.name, runningStatus(ready, entry.startedAt, now, entry.containerName));
  }

  private async patchStatus(name: string, status: Record<string, unknown>): Promise<void> {
    try {
      await this.options.kube.pods.patch(name, this.options.namespace, { type: 'merge', body: { status } }, { status: true });
    } catch (error) {
      if (!(error instanceof NotFoundError) && !this.stopping) this.options.logger.warn('pod status not written', { pod: name, error: (error as Error).message });
    }
  }

  /** A Pod object changed: a deletionTimestamp on one of ours starts its termination. */
  private observed(pod: Pod): void {
    const entry = this.entries.get(pod.metadata.name ?? '');
    if (!entry || !pod.metadata.deletionTimestamp || entry.info.terminating) return;
    this.terminate(entry);
  }

  private terminate(entry: PodEntry): void {
    entry.info.terminating = true;
    entry.info.ready = false;
    entry.probe?.stop();
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
    await this.removeFinalizer(entry.info.name);
  }

  private async removeFinalizer(name: string): Promise<void> {
    try {
      await updateWithConflictRetry(this.options.kube.pods, name, this.options.namespace, (pod) => {
        const finalizers = pod.metadata.finalizers ?? [];
        if (!finalizers.includes(POD_FINALIZER)) return undefined;
        return { ...pod, metadata: { ...pod.metadata, finalizers: finalizers.filter((f) => f !== POD_FINALIZER) } };
      });
    } catch (error) {
      if (error instanceof NotFoundError || this.stopping) return;
      this.options.logger.error('pod finalizer not removed', { pod: name, error: (error as Error).message });
      if (isRetryable(error)) await this.removeFinalizer(name);
    }
  }

  /** The process ended: expected after SIGTERM; otherwise the pod has failed and is deleted. */
  private processExited(entry: PodEntry): void {
    const exit = entry.process;
    this.options.afterExit?.({ ...entry.info });
    // Before its object exists the pod belongs to startPod(), which handles a failed start.
    if (this.stopping || entry.info.terminating || !entry.created) return;
    entry.probe?.stop();
    entry.info.ready = false;
    this.changed();
    this.options.logger.warn('pod process exited on its own: pod failed, deleting it', { pod: entry.info.name, pid: exit?.pid });
    void this.patchStatus(entry.info.name, failedStatus('unexpected exit', new Date(this.options.clock.now()).toISOString())).then(() => this.deleteObject(entry.info.name));
  }

  private async deleteObject(name: string): Promise<void> {
    try {
      await this.options.kube.pods.delete(name, this.options.namespace);
    } catch (error) {
      if (!(error instanceof NotFoundError)) this.options.logger.warn('pod not deleted', { pod: name, error: (error as Error).message });
    }
  }

  /** The Pod object is gone (finalizer removed, or forced): make sure its process is too. */
  private objectGone(name: string): void {
    const entry = this.entries.get(name);
    if (!entry || !entry.created) return;
    entry.process?.signal('SIGKILL');
    void (entry.process?.exited ?? Promise.resolve()).then(() => this.forget(entry));
  }

  private forget(entry: PodEntry): void {
    entry.probe?.stop();
    entry.killTimer?.cancel();
    if (this.entries.get(entry.info.name) === entry) this.entries.delete(entry.info.name);
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
      entry.process?.signal('SIGTERM');
    }
    const kill = this.options.clock.setTimer(() => this.killAllNow(), graceMs);
    await Promise.all(entries.map((e) => e.process?.exited ?? Promise.resolve()));
    kill.cancel();
    for (const entry of entries) this.forget(entry);
    process.off('exit', this.exitHook);
  }
}
