import type { Clock, TimerHandle } from '../../util/clock.js';
import { hostSet, type ClusterLoadAssignment } from './load-assignment.js';
import type { EndpointResource } from './xds-snapshot.js';

/** Envoy's default `common_lb_config.update_merge_window`. */
export const DEFAULT_EDS_MERGE_WINDOW_MS = 1000;

interface ClusterUpdates {
  applied: EndpointResource | undefined;
  /** When an update was last delivered to the load balancers; -Infinity: never. */
  lastUpdated: number;
  pending: EndpointResource | undefined;
  timer: TimerHandle | undefined;
}

const sameHosts = (a: ClusterLoadAssignment | undefined, b: ClusterLoadAssignment): boolean => {
  const before = hostSet(a);
  const after = hostSet(b);
  return before.size === after.size && [...after].every((h) => before.has(h));
};

/**
 * When EDS updates reach the load balancers that new connections use, as Envoy's cluster manager
 * delivers them (source/common/upstream/cluster_manager_impl.cc, the priority update callback and
 * `ClusterManagerImpl::scheduleUpdate`): an update that adds or removes hosts is delivered at once;
 * one that only changes weights (locality weights included) or metadata is delivered at once
 * when the previous delivery is more than the merge window ago, else merged with any later one and
 * delivered when a timer of one window, started by the first merged update, fires. Established
 * connections never look at it (tcp_proxy keeps its upstream host).
 */
export class EdsMergeWindow {
  private readonly clusters = new Map<string, ClusterUpdates>();

  constructor(
    private readonly clock: Clock,
    readonly windowMs: number,
    private readonly onDelivered: (cluster: string) => void,
  ) {}

  /** The assignment new connections use now. */
  delivered(cluster: string): ClusterLoadAssignment | undefined {
    return this.clusters.get(cluster)?.applied?.assignment;
  }

  /** A load assignment pushed for a cluster; the same content as the latest push is a no-op. */
  offer(cluster: string, resource: EndpointResource): void {
    const updates = this.stateOf(cluster);
    if ((updates.pending ?? updates.applied)?.hash === resource.hash) return;
    const mergeable = updates.applied !== undefined && sameHosts(updates.applied.assignment, resource.assignment);
    const outOfWindow = this.clock.now() - updates.lastUpdated > this.windowMs;
    if (this.windowMs <= 0 || outOfWindow || !mergeable) {
      updates.timer?.cancel();
      updates.timer = undefined;
      updates.pending = undefined;
      this.deliver(cluster, updates, resource);
      return;
    }
    updates.pending = resource;
    updates.timer ??= this.clock.setTimer(() => {
      updates.timer = undefined;
      const merged = updates.pending;
      updates.pending = undefined;
      if (merged) this.deliver(cluster, updates, merged);
    }, this.windowMs);
  }

  /** The cluster was replaced (CDS) or removed: its next assignment is its first. */
  forget(cluster: string): void {
    this.clusters.get(cluster)?.timer?.cancel();
    this.clusters.delete(cluster);
  }

  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  close(): void {
    for (const name of this.clusterNames()) this.forget(name);
  }

  private stateOf(cluster: string): ClusterUpdates {
    let updates = this.clusters.get(cluster);
    if (!updates) {
      updates = { applied: undefined, lastUpdated: -Infinity, pending: undefined, timer: undefined };
      this.clusters.set(cluster, updates);
    }
    return updates;
  }

  private deliver(cluster: string, updates: ClusterUpdates, resource: EndpointResource): void {
    updates.applied = resource;
    updates.lastUpdated = this.clock.now();
    this.onDelivered(cluster);
  }
}
