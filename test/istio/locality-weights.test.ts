import { describe, expect, it } from 'vitest';
import { distributeTo, localityWeightPatch, readLocalityShape, readLocalityWeights } from '../../src/istio/locality-weights.js';
import type { DestinationRule } from '../../src/istio/types.js';
import { RoutingError } from '../../src/spec/routing-error.js';
import { applyJsonPatch } from '../../src/util/json-patch.js';

const spec = { stable: { subset: 'v1', locality: 'tcpshift/echo/v1' }, canary: { subset: 'v2', locality: 'tcpshift/echo/v2' } };
const STABLE = 'tcpshift/echo/v1';
const CANARY = 'tcpshift/echo/v2';

function dr(trafficPolicy?: Record<string, unknown>): DestinationRule {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'echo', namespace: 'echo', resourceVersion: '7', annotations: { team: 'a' } },
    spec: {
      host: 'echo.echo.svc.cluster.local',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
      ...(trafficPolicy ? { trafficPolicy } : {}),
    },
  };
}

const withTo = (to: Record<string, number>, extra: Record<string, unknown> = {}) =>
  dr({ connectionPool: { tcp: { maxConnections: 10 } }, loadBalancer: { simple: 'ROUND_ROBIN', localityLbSetting: { enabled: true, distribute: [{ from: '*', to }] } }, ...extra });

/** Step a DR through the weights, then roll back with the shape read before the first write. */
function shiftAndRestore(original: DestinationRule, steps: number[]): DestinationRule {
  const shape = readLocalityShape(original, spec);
  let current = original;
  for (const w of steps) current = applyJsonPatch<DestinationRule>(current, localityWeightPatch(current, spec, w));
  return applyJsonPatch<DestinationRule>(current, localityWeightPatch(current, spec, 0, shape));
}

describe('distribute weights (strategy locality)', () => {
  it('leaves a zero share out and sums to 100 at every canary weight', () => {
    expect(distributeTo(spec, 0)).toEqual({ [STABLE]: 100 });
    expect(distributeTo(spec, 100)).toEqual({ [CANARY]: 100 });
    for (let w = 0; w <= 100; w++) {
      const values = Object.values(distributeTo(spec, w));
      expect(values.reduce((a, b) => a + b, 0)).toBe(100);
      expect(values.every((v) => Number.isInteger(v) && v >= 1 && v <= 100)).toBe(true);
    }
  });

  it('reads the weights of distribute[0].to, and stable 100 without a distribute entry', () => {
    expect(readLocalityWeights(withTo({ [STABLE]: 75, [CANARY]: 25 }), spec)).toEqual({ stable: 75, canary: 25, total: 100, share: 0.25 });
    expect(readLocalityWeights(dr(), spec)).toEqual({ stable: 100, canary: 0, total: 100, share: 0 });
  });

  it('replaces only distribute[0].to, guarded by the resourceVersion and from: "*"', () => {
    const before = withTo({ [STABLE]: 100 });
    const ops = localityWeightPatch(before, spec, 25);
    expect(ops).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'test', path: '/spec/trafficPolicy/loadBalancer/localityLbSetting/distribute/0/from', value: '*' },
      { op: 'add', path: '/spec/trafficPolicy/loadBalancer/localityLbSetting/distribute/0/to', value: { [STABLE]: 75, [CANARY]: 25 } },
    ]);
    const after = applyJsonPatch<DestinationRule>(before, ops);
    expect(after).toEqual(withTo({ [STABLE]: 75, [CANARY]: 25 }));
  });

  it.each([
    ['no trafficPolicy', undefined, '/spec/trafficPolicy'],
    ['a trafficPolicy without loadBalancer', { connectionPool: { tcp: { maxConnections: 5 } } }, '/spec/trafficPolicy/loadBalancer'],
    ['a loadBalancer without localityLbSetting', { loadBalancer: { simple: 'LEAST_REQUEST' } }, '/spec/trafficPolicy/loadBalancer/localityLbSetting'],
    ['a localityLbSetting without distribute', { loadBalancer: { localityLbSetting: { enabled: true } } }, '/spec/trafficPolicy/loadBalancer/localityLbSetting/distribute'],
    ['an empty distribute list', { loadBalancer: { localityLbSetting: { distribute: [] } } }, '/spec/trafficPolicy/loadBalancer/localityLbSetting/distribute/0'],
  ])('creates the distribute entry in %s and removes exactly that on rollback, byte for byte', (_name, policy, created) => {
    const original = dr(policy);
    expect(readLocalityShape(original, spec).created).toBe(created);
    const first = localityWeightPatch(original, spec, 10);
    expect(first[1]).toMatchObject({ op: 'add', path: created });
    const stepped = applyJsonPatch<DestinationRule>(original, first);
    expect(readLocalityWeights(stepped, spec)).toMatchObject({ stable: 90, canary: 10 });
    expect(JSON.stringify(shiftAndRestore(original, [10, 50, 100]))).toBe(JSON.stringify(original));
  });

  it('a rollback of a DR that had a distribute entry writes {stable: 100}, which is what it had', () => {
    const original = withTo({ [STABLE]: 100 });
    expect(JSON.stringify(shiftAndRestore(original, [25, 100]))).toBe(JSON.stringify(original));
  });

  it('keeps what a user added inside a container tcpshift created: rollback writes {stable: 100} instead of removing it', () => {
    const original = dr({ connectionPool: { tcp: { maxConnections: 5 } } });
    const shape = readLocalityShape(original, spec);
    const stepped = applyJsonPatch<DestinationRule>(original, localityWeightPatch(original, spec, 50));
    const edited = { ...stepped, spec: { ...stepped.spec, trafficPolicy: { ...stepped.spec.trafficPolicy, loadBalancer: { simple: 'LEAST_REQUEST', ...(stepped.spec.trafficPolicy?.loadBalancer as object) } } } };
    const restored = applyJsonPatch<DestinationRule>(edited, localityWeightPatch(edited, spec, 0, shape));
    expect(restored.spec.trafficPolicy?.loadBalancer).toEqual({ simple: 'LEAST_REQUEST', localityLbSetting: { distribute: [{ from: '*', to: { [STABLE]: 100 } }] } });
  });

  it('refuses a distribute it cannot own, naming the field', () => {
    expect(() => readLocalityWeights(withTo({ [STABLE]: 50, 'us-east1/b': 50 }), spec)).toThrow(/distribute\[0\]\.to: names locality us-east1\/b/);
    const two = dr({ loadBalancer: { localityLbSetting: { distribute: [{ from: '*', to: { [STABLE]: 100 } }, { from: 'a/*', to: { [STABLE]: 100 } }] } } });
    expect(() => readLocalityWeights(two, spec)).toThrow(RoutingError);
    const from = dr({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'us-east1/*', to: { [STABLE]: 100 } }] } } });
    expect(() => readLocalityWeights(from, spec)).toThrow(/distribute\[0\]\.from: must have from: "\*"/);
  });

  it('refuses a write istiod would reject (distribute beside failover)', () => {
    const failover = withTo({ [STABLE]: 100 }, {});
    (failover.spec.trafficPolicy?.loadBalancer as { localityLbSetting: Record<string, unknown> }).localityLbSetting.failover = [{ from: 'a', to: 'b' }];
    expect(() => localityWeightPatch(failover, spec, 10)).toThrow(/distribute and failover cannot both be set/);
  });
});
