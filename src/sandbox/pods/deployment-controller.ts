import { Informer, NotFoundError, type KubeClient } from '../../kube/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { deploymentStatus, DeploymentKind, type Deployment } from './pod-manifest.js';
import type { PodRuntime, RunningPodInfo } from './pod-runtime.js';

/**
 * A minimal Deployment (+ ReplicaSet) controller: keeps `spec.replicas` pods of each Deployment
 * (in one namespace, or in all) running through the PodRuntime. Terminating pods do not count, so a deleted
 * pod is replaced at once, while it drains; extra pods (scale down) are deleted, not-ready ones first;
 * pods of a deleted Deployment are deleted (the garbage collector's job). The status carries
 * replicas and readyReplicas. No rolling update: a changed template applies to new pods only.
 */
export interface DeploymentControllerOptions {
  kube: KubeClient;
  runtime: PodRuntime;
  /** Default: every namespace. */
  namespace?: string;
  clock: Clock;
  logger: Logger;
}

export class DeploymentController {
  private readonly informer: Informer<Deployment>;
  private running = false;
  private again = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly written = new Map<string, string>();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: DeploymentControllerOptions) {
    const scope = options.namespace === undefined ? { allNamespaces: true } : { namespace: options.namespace };
    this.informer = new Informer(options.kube.resource(DeploymentKind), { ...scope, clock: options.clock, logger: options.logger }).on({
      onAdd: () => this.schedule(),
      onUpdate: () => this.schedule(),
      onDelete: () => this.schedule(),
    });
    this.unsubscribe = options.runtime.onChange(() => this.schedule());
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.schedule();
  }

  /** Resolves when no reconcile is running. */
  settled(): Promise<void> {
    return this.idle;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    await this.informer.stop();
    await this.idle;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = this.loop();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.reconcileAll();
      } while (this.again && !this.stopped);
    } catch (error) {
      this.options.logger.error('deployment controller failed', { error: (error as Error).message });
    } finally {
      this.running = false;
    }
  }

  private async reconcileAll(): Promise<void> {
    const deployments = this.informer.list();
    const pods = this.options.runtime.list();
    const owners = new Set(deployments.map((d) => d.metadata.uid ?? ''));
    const orphans = pods.filter((p) => !p.terminating && !owners.has(p.owner));
    await Promise.all(orphans.map((p) => this.deletePod(p, 'its Deployment is gone')));
    for (const deployment of deployments) await this.reconcile(deployment, pods.filter((p) => p.owner === deployment.metadata.uid));
  }

  private async reconcile(deployment: Deployment, pods: RunningPodInfo[]): Promise<void> {
    const active = pods.filter((p) => !p.terminating);
    const wanted = deployment.metadata.deletionTimestamp ? 0 : (deployment.spec?.replicas ?? 1);
    for (let i = active.length; i < wanted; i++) void this.options.runtime.run(deployment);
    const extra = active.length - wanted;
    if (extra > 0) {
      const notReadyFirst = [...active].sort((a, b) => Number(a.ready) - Number(b.ready));
      await Promise.all(notReadyFirst.slice(0, extra).map((p) => this.deletePod(p, 'scaled down')));
    }
    await this.writeStatus(deployment, Math.min(active.length, wanted), active.filter((p) => p.ready).length);
  }

  private async deletePod({ name, namespace }: RunningPodInfo, why: string): Promise<void> {
    this.options.logger.info('deleting pod', { pod: name, namespace, why });
    try {
      await this.options.kube.pods.delete(name, namespace);
    } catch (error) {
      if (!(error instanceof NotFoundError)) this.options.logger.warn('pod not deleted', { pod: name, error: (error as Error).message });
    }
  }

  private async writeStatus(deployment: Deployment, replicas: number, ready: number): Promise<void> {
    const name = deployment.metadata.name ?? '';
    const namespace = deployment.metadata.namespace ?? 'default';
    const key = `${namespace}/${name}`;
    const status = deploymentStatus(deployment.metadata.generation, replicas, ready);
    const text = JSON.stringify(status);
    if (this.written.get(key) === text) return;
    try {
      await this.options.kube.resource(DeploymentKind).patch(name, namespace, { type: 'merge', body: { status } }, { status: true });
      this.written.set(key, text);
    } catch (error) {
      if (!(error instanceof NotFoundError)) this.options.logger.warn('deployment status not written', { deployment: name, error: (error as Error).message });
    }
  }
}
