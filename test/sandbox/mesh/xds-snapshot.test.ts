// The translation of the watched objects into LDS / CDS / EDS and what each edit changes.
import { describe, expect, it } from 'vitest';
import { INGRESS_GATEWAY_LABELS } from '../../../src/sandbox/mesh/gateway-servers.js';
import { applyLocalityWeights, type LocalityLbEndpoints } from '../../../src/sandbox/mesh/load-assignment.js';
import type { MeshObjects } from '../../../src/sandbox/mesh/mesh-objects.js';
import { buildXdsSnapshot, type XdsSnapshot } from '../../../src/sandbox/mesh/xds-snapshot.js';
import { echoLocalityLabel } from '../../../src/sandbox/sandbox-objects.js';
import { readyPod, sandboxMesh, weightedVs } from '../../support/sandbox-mesh-fixtures.js';

const ALL = 'outbound|9000||echo.echo.svc.cluster.local';
const V1 = 'outbound|9000|v1|echo.echo.svc.cluster.local';
const GATEWAY_LOCALITY = 'tcpshift/gateway/ingress';

function mesh(): MeshObjects {
  const objects = sandboxMesh(2);
  objects.pods = objects.pods.map((p) => ({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata.labels, ...echoLocalityLabel(p.metadata.labels?.version ?? '') } } }));
  return objects;
}
const snapshot = (objects: MeshObjects, locality = GATEWAY_LOCALITY): XdsSnapshot => buildXdsSnapshot(objects, INGRESS_GATEWAY_LABELS, locality);
const withPolicy = (objects: MeshObjects, trafficPolicy: Record<string, unknown>, subsetPolicy?: Record<string, unknown>): MeshObjects => ({
  ...objects,
  destinationRules: objects.destinationRules.map((dr) => ({
    ...dr,
    spec: {
      ...dr.spec,
      trafficPolicy,
      subsets: (dr.spec?.subsets ?? []).map((s) => (s.name === 'v1' && subsetPolicy ? { ...s, trafficPolicy: subsetPolicy } : s)),
    },
  })),
});
const distribute = (to: Record<string, number>, from = '*'): Record<string, unknown> => ({ loadBalancer: { localityLbSetting: { distribute: [{ from, to }] } } });
const listenerKey = (s: XdsSnapshot): string | undefined => s.listeners[0]?.tcpProxy?.key;
const weights = (s: XdsSnapshot, cluster = ALL): Record<string, [number, number]> =>
  Object.fromEntries(s.endpoints.get(cluster)?.assignment.localities.map((l) => [l.locality, [l.weight, l.endpoints.length]]) ?? []);

describe('xDS snapshot of the gateway emulator', () => {
  it('the same objects give the same hashes; annotations and resourceVersions change nothing', () => {
    const a = snapshot(mesh());
    const touched = mesh();
    touched.virtualServices = touched.virtualServices.map((vs) => ({ ...vs, metadata: { ...vs.metadata, resourceVersion: '99', annotations: { 'tcpshift.io/state': 'x' } } }));
    touched.destinationRules = touched.destinationRules.map((dr) => ({ ...dr, metadata: { ...dr.metadata, annotations: { a: 'b' } } }));
    const b = snapshot(touched);
    expect(listenerKey(b)).toBe(listenerKey(a));
    expect([...b.clusters].map(([n, c]) => [n, c.hash])).toEqual([...a.clusters].map(([n, c]) => [n, c.hash]));
    expect([...b.endpoints].map(([n, e]) => [n, e.hash])).toEqual([...a.endpoints].map(([n, e]) => [n, e.hash]));
  });

  it('has one cluster per Service port and DestinationRule subset, each with its endpoints grouped by locality', () => {
    const s = snapshot(mesh());
    expect([...s.clusters.keys()].filter((n) => n.endsWith('|echo.echo.svc.cluster.local'))).toEqual([ALL, V1, 'outbound|9000|v2|echo.echo.svc.cluster.local']);
    expect(s.clusters.get(ALL)?.localityWeighted).toBe(false);
    expect(weights(s)).toEqual({ 'tcpshift/echo/v1': [2, 2], 'tcpshift/echo/v2': [2, 2] });
    expect(weights(s, V1)).toEqual({ 'tcpshift/echo/v1': [2, 2] });
  });

  it('distribute changes the cluster (locality_weighted_lb_config) and the endpoints, never the listener', () => {
    const before = snapshot(mesh());
    const after = snapshot(withPolicy(mesh(), distribute({ 'tcpshift/echo/v1': 75, 'tcpshift/echo/v2': 25 })));
    expect(listenerKey(after)).toBe(listenerKey(before));
    expect(after.clusters.get(ALL)?.localityWeighted).toBe(true);
    expect(after.clusters.get(ALL)?.hash).not.toBe(before.clusters.get(ALL)?.hash);
    expect(weights(after)).toEqual({ 'tcpshift/echo/v1': [75, 2], 'tcpshift/echo/v2': [25, 2] });
    const edited = snapshot(withPolicy(mesh(), distribute({ 'tcpshift/echo/v1': 10, 'tcpshift/echo/v2': 90 })));
    expect(listenerKey(edited)).toBe(listenerKey(before));
    expect(edited.clusters.get(ALL)?.hash).toBe(after.clusters.get(ALL)?.hash);
    expect(edited.endpoints.get(ALL)?.hash).not.toBe(after.endpoints.get(ALL)?.hash);
  });

  it('a locality left out of `to` keeps no endpoint, and so does a pod without a locality label', () => {
    const objects = withPolicy(mesh(), distribute({ 'tcpshift/echo/v2': 100 }));
    objects.pods.push(readyPod('echo-v2-unlabelled', 'v2', 20999));
    const s = snapshot(objects);
    expect(weights(s)).toEqual({ '': [1, 0], 'tcpshift/echo/v1': [2, 0], 'tcpshift/echo/v2': [100, 2] });
    // Without distribute the unlabelled pod is an endpoint like any other.
    objects.destinationRules = mesh().destinationRules;
    expect(weights(snapshot(objects))['']).toEqual([1, 1]);
  });

  it('only a distribute entry whose `from` matches the gateway locality applies', () => {
    const objects = withPolicy(mesh(), { loadBalancer: { localityLbSetting: { distribute: [{ from: 'elsewhere/*', to: { 'tcpshift/echo/v2': 100 } }] } } });
    expect(weights(snapshot(objects))).toEqual({ 'tcpshift/echo/v1': [2, 2], 'tcpshift/echo/v2': [2, 2] });
    expect(weights(snapshot(objects, 'elsewhere/zone-a/gw'))).toEqual({ 'tcpshift/echo/v1': [2, 0], 'tcpshift/echo/v2': [100, 2] });
  });

  it('a subset-level load balancer overrides the top level for that subset cluster only; enabled: false turns it off', () => {
    const objects = withPolicy(mesh(), distribute({ 'tcpshift/echo/v1': 100 }), { loadBalancer: { simple: 'ROUND_ROBIN' } });
    const s = snapshot(objects);
    expect(s.clusters.get(V1)?.localityWeighted).toBe(false);
    expect(s.clusters.get(ALL)?.localityWeighted).toBe(true);
    const off = snapshot(withPolicy(mesh(), { loadBalancer: { localityLbSetting: { enabled: false, distribute: [{ from: '*', to: { 'tcpshift/echo/v1': 100 } }] } } }));
    expect(off.clusters.get(ALL)?.localityWeighted).toBe(false);
  });

  it.each([
    ['connectionPool.tcp.idleTimeout', { connectionPool: { tcp: { idleTimeout: '1h' } } }],
    ['connectionPool.tcp.maxConnectionDuration', { connectionPool: { tcp: { maxConnectionDuration: '10m' } } }],
    ['consistentHash.useSourceIp', { loadBalancer: { consistentHash: { useSourceIp: true } } }],
    ['tunnel', { tunnel: { protocol: 'CONNECT', targetHost: 'echo', targetPort: 9000 } }],
  ])('editing the DestinationRule field %s that leaks into tcp_proxy changes the filter chain', (_field, trafficPolicy) => {
    const before = snapshot(mesh());
    expect(listenerKey(snapshot(withPolicy(mesh(), trafficPolicy)))).not.toBe(listenerKey(before));
  });

  it('a subset-level consistent hash counts for a single destination but not for weighted clusters', () => {
    const single = mesh();
    single.virtualServices = [weightedVs('echo', [['v1', undefined]])];
    const hashed = withPolicy(single, {}, { loadBalancer: { consistentHash: { useSourceIp: true } } });
    expect(snapshot(hashed).listeners[0]?.tcpProxy?.policy.hashSourceIp).toBe(true);
    const weighted = withPolicy(mesh(), {}, { loadBalancer: { consistentHash: { useSourceIp: true } } });
    expect(snapshot(weighted).listeners[0]?.tcpProxy?.policy.hashSourceIp).toBe(false);
  });
});

describe('applyLocalityWeights', () => {
  const group = (locality: string, n: number): LocalityLbEndpoints => ({
    locality,
    weight: n,
    endpoints: Array.from({ length: n }, (_, i) => ({ pod: `${locality}-${i}`, namespace: 'ns', labels: {}, address: '127.0.0.1', port: 1000 + i, locality })),
  });

  it('shares a wildcard pattern among the localities it matches by their weights, rounding up', () => {
    const out = applyLocalityWeights('gw', [group('r/a/x', 1), group('r/b/y', 2), group('s/a/z', 1)], [{ from: '*', to: { 'r/*': 50, 's/a': 50 } }]);
    expect(out.map((l) => [l.locality, l.weight])).toEqual([
      ['r/a/x', 17],
      ['r/b/y', 34],
      ['s/a/z', 50],
    ]);
  });

  it('a locality taken by an earlier pattern is not matched again', () => {
    const out = applyLocalityWeights('gw', [group('r/a/x', 1)], [{ from: '*', to: { 'r/a/x': 30, 'r/*': 70 } }]);
    expect(out.map((l) => l.weight)).toEqual([30]);
  });
});
