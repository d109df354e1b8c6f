/**
 * The CLI's ShiftPort: the state lives on the route's annotations, written in the same JSON
 * Patch as the weight (a step costs exactly one write of the route), with the holder's expiry
 * renewed in every write and by `renew()` between them. Every write first checks that this
 * process still holds the lock (LockLostError otherwise, and nothing is written).
 */
import { isRetryable } from '../kube/index.js';
import type { MetadataChanges, RouteSnapshot, TrafficRouter } from '../router/index.js';
import type { Clock } from '../util/clock.js';
import { clearRequest, stateAnnotations } from './annotations.js';
import type { RouteObservation, WeightPurpose } from './decide.js';
import { assertHolder, holderAnnotations, LockLostError, releaseHolder } from './lock.js';
import { clearProbes } from './probe-annotation.js';
import type { ShiftPort } from './runner.js';
import { isTerminal, restoreShapeOf, type ShiftState } from './state.js';
import type { RouteShape } from '../spec/weighted-route.js';

export interface AnnotationPortOptions {
  router: TrafficRouter;
  /** This process's holder identity (it must hold the lock already). */
  identity: string;
  /** Lock lifetime from each write or renewal. */
  ttlMs: number;
  clock: Clock;
  stepCount: number;
  /** The route as last written or read by this process (first write without a read). */
  basis?: RouteSnapshot;
}

export class AnnotationStatePort implements ShiftPort {
  private basis: RouteSnapshot | undefined;

  constructor(private readonly options: AnnotationPortOptions) {
    this.basis = options.basis;
  }

  /** The route as this process last saw it. */
  latest(): RouteSnapshot | undefined {
    return this.basis;
  }

  /**
   * A version of the route from a watch: the next write starts from it when it is newer. True
   * when it is the route as it is now as far as this process knows (newer, or the version its
   * own last write returned: a write may have moved past someone else's edit before the watch
   * delivered it, and then this is where the edit shows).
   */
  observed(snapshot: RouteSnapshot): boolean {
    if (!this.isCurrent(snapshot.resourceVersion)) return false;
    this.basis = snapshot;
    return true;
  }

  /** This resourceVersion is not older than the route as this process last saw it. */
  isCurrent(resourceVersion: string): boolean {
    return !this.basis || resourceVersion === this.basis.resourceVersion || isNewer(resourceVersion, this.basis.resourceVersion);
  }

  async writeWeight(canaryWeight: number, state: ShiftState, purpose: WeightPurpose): Promise<RouteObservation> {
    const restore = purpose === 'rollback' ? restoreShapeOf(state) : undefined;
    const { snapshot, weightChanged } = await this.write({ ...this.renewal(), ...stateAnnotations(state, this.options.stepCount) }, canaryWeight, restore);
    return {
      canaryWeight: snapshot.weights.canary,
      stableWeight: snapshot.weights.stable,
      ...(weightChanged ? { changedAt: this.options.clock.now() } : {}),
    };
  }

  async persist(state: ShiftState): Promise<void> {
    const done = isTerminal(state.phase) || state.phase === 'paused';
    const holder = done ? { ...releaseHolder, ...clearProbes } : this.renewal();
    const request = done ? clearRequest : {};
    await this.write({ ...stateAnnotations(state, this.options.stepCount), ...holder, ...request });
  }

  /** Push the lock's expiry forward (between steps), with what else rides on the renewal (the published probe counters). */
  async renew(extra: MetadataChanges = {}): Promise<void> {
    await this.write({ ...extra, ...this.renewal() });
  }

  isFatal(error: unknown): boolean {
    return error instanceof LockLostError;
  }

  isRetryable(error: unknown): boolean {
    return isRetryable(error);
  }

  private renewal(): MetadataChanges {
    return holderAnnotations(this.options.identity, this.options.clock.now() + this.options.ttlMs);
  }

  /** Writes go one at a time (a renewal never races a step's write for the same basis). */
  private write(annotations: MetadataChanges, canaryWeight?: number, restore?: RouteShape): Promise<{ snapshot: RouteSnapshot; weightChanged: boolean }> {
    const next = this.queue.then(() => this.writeNow(annotations, canaryWeight, restore));
    this.queue = next.then(() => undefined, () => undefined);
    return next;
  }

  private queue: Promise<void> = Promise.resolve();

  /** One guarded write; `weightChanged` when it moved the owned weights. */
  private async writeNow(annotations: MetadataChanges, canaryWeight?: number, restore?: RouteShape): Promise<{ snapshot: RouteSnapshot; weightChanged: boolean }> {
    const { router, identity } = this.options;
    let before: RouteSnapshot | undefined;
    const result = await router.update(
      (current) => {
        assertHolder(current.annotations, identity);
        before = current;
        return { annotations, ...(canaryWeight !== undefined ? { canaryWeight } : {}), ...(restore ? { restore } : {}) };
      },
      this.basis ? { basis: this.basis } : {},
    );
    this.basis = result.snapshot;
    const moved = (a: RouteSnapshot['weights'], b: RouteSnapshot['weights']): boolean => a.canary !== b.canary || a.stable !== b.stable || a.total !== b.total;
    return { snapshot: result.snapshot, weightChanged: result.written && before !== undefined && moved(before.weights, result.snapshot.weights) };
  }
}

/** resourceVersions are opaque, but integers on every server in practice: compare them as such when they are. */
function isNewer(candidate: string, known: string): boolean {
  if (/^\d+$/.test(candidate) && /^\d+$/.test(known)) return BigInt(candidate) > BigInt(known);
  return candidate !== known;
}
