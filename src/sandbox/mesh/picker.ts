import type { Endpoint } from './endpoints.js';
import type { WeightedCluster } from './listener-plan.js';

/** Envoy's weighted_clusters: a cluster with probability weight / sum; a lone cluster always. */
export function pickCluster(clusters: readonly WeightedCluster[], random: () => number): WeightedCluster | undefined {
  if (clusters.length <= 1) return clusters[0];
  const total = clusters.reduce((sum, c) => sum + c.weight, 0);
  let point = random() * total;
  for (const c of clusters) {
    if (point < c.weight) return c;
    point -= c.weight;
  }
  return clusters[clusters.length - 1];
}

/** Round robin per cluster over its current endpoints (the list may change between picks). */
export class RoundRobin {
  private readonly next = new Map<string, number>();

  pick(cluster: string, endpoints: readonly Endpoint[]): Endpoint | undefined {
    if (endpoints.length === 0) return undefined;
    const i = (this.next.get(cluster) ?? 0) % endpoints.length;
    this.next.set(cluster, i + 1);
    return endpoints[i];
  }

  forget(keep: ReadonlySet<string>): void {
    for (const name of this.next.keys()) if (!keep.has(name)) this.next.delete(name);
  }
}
