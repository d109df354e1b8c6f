// Host names as istiod reads them, and the per-connection choices: weighted cluster, round robin.
import { describe, expect, it } from 'vitest';
import { hostsMatch, serverAdmits, serviceFqdn, serviceOfFqdn } from '../../../src/sandbox/mesh/hosts.js';
import { pickCluster, RoundRobin } from '../../../src/sandbox/mesh/picker.js';
import type { Endpoint } from '../../../src/sandbox/mesh/endpoints.js';
import type { WeightedCluster } from '../../../src/sandbox/mesh/listener-plan.js';
import { seededRandom } from '../../../src/probe/index.js';
import { wilsonInterval } from '../../../src/probe/index.js';

describe('hosts', () => {
  it('resolves destination hosts to Service FQDNs relative to the namespace', () => {
    expect(serviceFqdn('echo', 'ns')).toBe('echo.ns.svc.cluster.local');
    expect(serviceFqdn('echo.other', 'ns')).toBe('echo.other.svc.cluster.local');
    expect(serviceFqdn('echo.other.svc', 'ns')).toBe('echo.other.svc.cluster.local');
    expect(serviceFqdn('echo.other.svc.cluster.local', 'ns')).toBe('echo.other.svc.cluster.local');
    expect(serviceFqdn('db.example.com', 'ns')).toBe('db.example.com');
    expect(serviceOfFqdn('echo.other.svc.cluster.local')).toEqual({ name: 'echo', namespace: 'other' });
    expect(serviceOfFqdn('db.example.com')).toBeUndefined();
  });

  it('matches hosts with wildcards either way, and server hosts by namespace', () => {
    expect(hostsMatch('*', 'anything')).toBe(true);
    expect(hostsMatch('*.example.com', 'a.example.com')).toBe(true);
    expect(hostsMatch('a.example.com', '*.example.com')).toBe(true);
    expect(hostsMatch('*.example.com', 'example.org')).toBe(false);
    expect(hostsMatch('a.example.com', 'b.example.com')).toBe(false);
    expect(serverAdmits(['echo/*'], ['*'], 'echo')).toBe(true);
    expect(serverAdmits(['prod/*'], ['*'], 'echo')).toBe(false);
    expect(serverAdmits(['*.example.com'], ['tcp.example.com'], 'echo')).toBe(true);
    expect(serverAdmits(['tcp.example.com'], ['other.example.com'], 'echo')).toBe(false);
  });
});

describe('choices per new connection', () => {
  const cluster = (name: string, weight: number): WeightedCluster => ({ cluster: { name, host: name, subset: undefined, port: 1 }, weight });

  it('picks a cluster with probability weight / sum', () => {
    const random = seededRandom(7);
    const clusters = [cluster('a', 3), cluster('b', 1)];
    const n = 20_000;
    let b = 0;
    for (let i = 0; i < n; i++) if (pickCluster(clusters, random)?.cluster.name === 'b') b++;
    const [lo, hi] = wilsonInterval(b, n, 0.9999);
    expect(lo).toBeLessThan(0.25);
    expect(hi).toBeGreaterThan(0.25);
  });

  it('a lone cluster takes everything; none gives nothing', () => {
    expect(pickCluster([cluster('a', 0)], () => 0.99)?.cluster.name).toBe('a');
    expect(pickCluster([], Math.random)).toBeUndefined();
    expect(pickCluster([cluster('a', 1), cluster('b', 1)], () => 0.999999)?.cluster.name).toBe('b');
  });

  it('round-robins over the endpoints of each cluster, following changes of the list', () => {
    const ep = (pod: string): Endpoint => ({ pod, namespace: 'echo', labels: {}, address: '127.0.0.1', port: 1, locality: '' });
    const rr = new RoundRobin();
    const list = [ep('a'), ep('b'), ep('c')];
    expect([1, 2, 3, 4].map(() => rr.pick('x', list)?.pod)).toEqual(['a', 'b', 'c', 'a']);
    expect(rr.pick('y', list)?.pod).toBe('a');
    expect(rr.pick('x', [ep('a'), ep('c')])?.pod).toBe('c');
    expect(rr.pick('x', [])).toBeUndefined();
  });
});
