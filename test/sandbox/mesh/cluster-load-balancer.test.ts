// Envoy's locality-weighted pick: EDF over effective locality weights, round robin within one.
import { describe, expect, it } from 'vitest';
import { ClusterLoadBalancer, effectiveLocalityWeight } from '../../../src/sandbox/mesh/cluster-load-balancer.js';
import { EdfScheduler } from '../../../src/sandbox/mesh/edf-scheduler.js';
import type { ClusterLoadAssignment } from '../../../src/sandbox/mesh/load-assignment.js';
import { RoundRobin } from '../../../src/sandbox/mesh/picker.js';

const assignment = (groups: Array<[string, number, number]>): ClusterLoadAssignment => ({
  cluster: 'c',
  localities: groups.map(([locality, weight, hosts]) => ({
    locality,
    weight,
    endpoints: Array.from({ length: hosts }, (_, i) => ({ pod: `${locality}-${i}`, namespace: 'ns', labels: {}, address: '127.0.0.1', port: 1 + i, locality })),
  })),
});
const count = (balancer: ClusterLoadBalancer, n: number): Record<string, number> => {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const pod = balancer.pick()?.pod ?? 'none';
    out[pod] = (out[pod] ?? 0) + 1;
  }
  return out;
};

describe('cluster load balancer', () => {
  it('picks localities in proportion to their weights (10,000 picks within 1 %) and hosts round robin within one', () => {
    const balancer = new ClusterLoadBalancer(assignment([['v1', 75, 2], ['v2', 25, 3]]), true, new RoundRobin());
    const picks = count(balancer, 10_000);
    const v1 = (picks['v1-0'] ?? 0) + (picks['v1-1'] ?? 0);
    expect(v1 / 10_000).toBeGreaterThan(0.74);
    expect(v1 / 10_000).toBeLessThan(0.76);
    expect(Math.abs((picks['v1-0'] ?? 0) - (picks['v1-1'] ?? 0))).toBeLessThanOrEqual(1);
    expect(Math.max(picks['v2-0'] ?? 0, picks['v2-1'] ?? 0, picks['v2-2'] ?? 0) - Math.min(picks['v2-0'] ?? 0, picks['v2-1'] ?? 0, picks['v2-2'] ?? 0)).toBeLessThanOrEqual(1);
  });

  it('never picks a locality without hosts (one left out of distribute)', () => {
    const balancer = new ClusterLoadBalancer(assignment([['v1', 2, 0], ['v2', 100, 1]]), true, new RoundRobin());
    expect(count(balancer, 100)).toEqual({ 'v2-0': 100 });
  });

  it('without locality_weighted_lb_config ignores locality weights: round robin over every host', () => {
    const balancer = new ClusterLoadBalancer(assignment([['v1', 90, 1], ['v2', 10, 1]]), false, new RoundRobin());
    expect(count(balancer, 100)).toEqual({ 'v1-0': 50, 'v2-0': 50 });
  });

  it('has nothing to pick from an empty assignment', () => {
    expect(new ClusterLoadBalancer(assignment([]), true, new RoundRobin()).pick()).toBeUndefined();
  });
});

describe('effective locality weight (overprovisioning factor 140)', () => {
  it('is the weight while at least 1/1.4 of the hosts are healthy, then scales down', () => {
    expect(effectiveLocalityWeight(50, 10, 10)).toBe(50);
    expect(effectiveLocalityWeight(50, 8, 10)).toBe(50);
    expect(effectiveLocalityWeight(50, 5, 10)).toBeCloseTo(35);
    expect(effectiveLocalityWeight(50, 0, 10)).toBe(0);
    expect(effectiveLocalityWeight(50, 0, 0)).toBe(0);
  });
});

describe('EDF scheduler', () => {
  it('gives each entry its weight share within one pick over any run', () => {
    const edf = new EdfScheduler([{ item: 'a', weight: 1 }, { item: 'b', weight: 3 }, { item: 'z', weight: 0 }]);
    expect(edf.size).toBe(2);
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) seen.push(edf.pick() ?? '');
    for (let n = 4; n <= 40; n += 4) expect(seen.slice(0, n).filter((x) => x === 'b')).toHaveLength((3 * n) / 4);
    expect(seen).not.toContain('z');
  });
});
