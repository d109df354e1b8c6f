import { EdfScheduler } from './edf-scheduler.js';
import type { Endpoint } from './endpoints.js';
import type { ClusterLoadAssignment, LocalityLbEndpoints } from './load-assignment.js';
import type { RoundRobin } from './picker.js';

/** Envoy's default overprovisioning factor (ClusterLoadAssignment.Policy.overprovisioning_factor, 140 = 1.4). */
export const OVERPROVISIONING_FACTOR = 140;

/**
 * envoy source/common/upstream/upstream_impl.cc `HostSetImpl::effectiveLocalityWeight`: a
 * locality's weight scaled by its availability, min(1, factor/100 × healthy / total); a locality
 * without hosts weighs 0.
 */
export function effectiveLocalityWeight(weight: number, healthy: number, total: number, factor = OVERPROVISIONING_FACTOR): number {
  if (total === 0) return 0;
  return weight * Math.min(1, ((factor / 100) * healthy) / total);
}

/**
 * The load balancer of one cluster for new connections. With `locality_weighted_lb_config`
 * (load_balancer_impl.cc `ZoneAwareLoadBalancerBase::hostSourceToUse` -> `chooseHealthyLocality`)
 * a locality is picked by EDF over the effective weights, then a host round robin within it;
 * without, round robin over every host (Istio's default LEAST_REQUEST is emulated as round robin).
 * The istiod emulation only sends ready endpoints (the default without outlier detection's
 * minHealthPercent), so every host counts as healthy here.
 */
export class ClusterLoadBalancer {
  private readonly localities: EdfScheduler<LocalityLbEndpoints> | undefined;
  private readonly hosts: Endpoint[];

  constructor(
    private readonly assignment: ClusterLoadAssignment,
    localityWeighted: boolean,
    private readonly roundRobin: RoundRobin,
  ) {
    this.hosts = assignment.localities.flatMap((l) => l.endpoints);
    this.localities = localityWeighted
      ? new EdfScheduler(assignment.localities.map((l) => ({ item: l, weight: effectiveLocalityWeight(l.weight, l.endpoints.length, l.endpoints.length) })))
      : undefined;
  }

  pick(): Endpoint | undefined {
    const locality = this.localities?.pick();
    // No locality picked (none weighs anything): Envoy falls back to the whole host set.
    if (!locality) return this.roundRobin.pick(this.assignment.cluster, this.hosts);
    return this.roundRobin.pick(`${this.assignment.cluster}|${locality.locality}`, locality.endpoints);
  }
}
