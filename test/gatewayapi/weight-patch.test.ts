import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateTcpRoute } from '../../src/gatewayapi/route-rules.js';
import type { BackendRef, TcpRoute } from '../../src/gatewayapi/types.js';
import { tcpRouteWeightPatch } from '../../src/gatewayapi/weight-patch.js';
import { readTcpRouteWeights } from '../../src/gatewayapi/weights.js';
import { ownedTcpRouteBackends } from '../../src/gatewayapi/owned-rule.js';
import { readShape } from '../../src/spec/weighted-route.js';
import { applyJsonPatch, deepEqual, JsonPatchError } from '../../src/util/json-patch.js';
import { gatewayApiShift } from './shifts.js';

const spec = gatewayApiShift().spec;

function ref(name: string, weight?: number, extra: Partial<BackendRef> = {}): BackendRef {
  return { name, port: 9000, ...(weight !== undefined && { weight }), ...extra };
}

function route(rules: BackendRef[][], parentRefs: TcpRoute['spec']['parentRefs'] = [{ name: 'echo-gateway', sectionName: 'tcp' }]): TcpRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1alpha2',
    kind: 'TCPRoute',
    metadata: { name: 'echo', namespace: 'echo', resourceVersion: '9' },
    spec: { parentRefs, rules: rules.map((backendRefs) => ({ backendRefs })) },
  };
}

describe('reading TCPRoute weights', () => {
  it('reads shares as w / sum with Gateway API defaults (an absent weight is 1)', () => {
    expect(readTcpRouteWeights(route([[ref('echo-v1', 300), ref('echo-v2', 100)]]), spec)).toEqual({ stable: 300, canary: 100, total: 400, share: 0.25 });
    expect(readTcpRouteWeights(route([[ref('echo-v1'), ref('echo-v2')]]), spec)).toMatchObject({ share: 0.5 });
  });

  it('finds the owned rule among several and refuses ambiguity', () => {
    expect(readTcpRouteWeights(route([[ref('other')], [ref('echo-v2', 1), ref('echo-v1', 1)]]), spec)).toMatchObject({ share: 0.5 });
    expect(() => readTcpRouteWeights(route([[ref('echo-v1')], [ref('echo-v2')]]), spec)).toThrow(/2 rules \(spec\.rules\[0\], spec\.rules\[1\]\) route to Service echo-v1 or echo-v2/);
    expect(() => readTcpRouteWeights(route([[ref('other')]]), spec)).toThrow(/no rule route to Service echo-v1 or echo-v2/);
  });

  it('requires the route to be attached to the Gateway of the shift', () => {
    expect(() => readTcpRouteWeights(route([[ref('echo-v1')]], [{ name: 'echo-gateway', namespace: 'infra' }]), spec)).toThrow(
      /spec\.parentRefs: TCPRoute echo\/echo is not attached to Gateway echo\/echo-gateway/,
    );
  });

  it('does not take a backend in another namespace or of another kind for the Service', () => {
    const r = route([[ref('echo-v1', 1), ref('echo-v2', 1, { namespace: 'elsewhere' })]]);
    expect(() => readTcpRouteWeights(r, spec)).toThrow(/backends other than the stable and canary Services carry traffic: spec\.rules\[0\]\.backendRefs\[1\] \(echo-v2\)/);
  });
});

describe('tcpRouteWeightPatch', () => {
  it('sets the owned weights, guarded by the resourceVersion and the backend names at those indices', () => {
    const r = route([[ref('echo-v2', 5), ref('echo-v1', 95)]]);
    expect(tcpRouteWeightPatch(r, spec, 50)).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '9' },
      { op: 'test', path: '/spec/rules/0/backendRefs/1/name', value: 'echo-v1' },
      { op: 'test', path: '/spec/rules/0/backendRefs/0/name', value: 'echo-v2' },
      { op: 'add', path: '/spec/rules/0/backendRefs/1/weight', value: 50 },
      { op: 'add', path: '/spec/rules/0/backendRefs/0/weight', value: 50 },
    ]);
  });

  it('adds the canary backendRef with weight 0 first when the rule has the stable one only', () => {
    const r = route([[ref('echo-v1')]]);
    const ops = tcpRouteWeightPatch(r, spec, 30);
    expect(ops[2]).toEqual({ op: 'add', path: '/spec/rules/0/backendRefs/1', value: { name: 'echo-v2', port: 9000, weight: 0 } });
    expect(applyJsonPatch(r, ops).spec.rules[0]!.backendRefs).toEqual([ref('echo-v1', 70), ref('echo-v2', 30)]);
  });

  it('fails on a concurrent change', () => {
    const r = route([[ref('echo-v1', 1), ref('echo-v2', 1)]]);
    const ops = tcpRouteWeightPatch(r, spec, 10);
    expect(() => applyJsonPatch({ ...r, metadata: { ...r.metadata, resourceVersion: '10' } }, ops)).toThrow(JsonPatchError);
  });

  it('refuses to write a route that breaks the rules', () => {
    const r = route([[ref('echo-v1', 1), ref('echo-v2', 1)], [ref('x', 2_000_000)]]);
    expect(() => tcpRouteWeightPatch(r, spec, 10)).toThrow(/would be invalid: spec\.rules\[1\]\.backendRefs\[0\]\.weight: weight 2000000 must be an integer in 0\.\.1000000/);
  });

  it('over random TCPRoutes changes exactly the owned weights', () => {
    const extra = fc.dictionary(fc.stringMatching(/^x[a-z]{1,5}$/), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
    const weight = fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined });
    const arbitraryRoute = fc
      .record({
        roles: fc.constantFrom(['echo-v1'], ['echo-v2'], ['echo-v1', 'echo-v2'], ['echo-v2', 'echo-v1']),
        weights: fc.tuple(weight, weight),
        strangers: fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }),
        extras: fc.tuple(extra, extra, extra),
        otherRules: fc.array(fc.array(fc.record({ name: fc.constantFrom('c', 'd'), weight: fc.integer({ min: 1, max: 9 }) }), { minLength: 1, maxLength: 2 }), { maxLength: 2 }),
      })
      .map((g) => {
        const owned = [...g.roles.map((name, i) => ref(name, g.weights[i], g.extras[i])), ...g.strangers.map((name) => ref(name, 0))];
        const r = route([owned, ...g.otherRules.map((rs) => rs.map((x) => ref(x.name, x.weight)))]);
        return { ...r, spec: { ...r.spec, ...g.extras[2] } };
      });
    fc.assert(
      fc.property(arbitraryRoute, fc.integer({ min: 0, max: 100 }), (r, canaryWeight) => {
        const after = applyJsonPatch(r, tcpRouteWeightPatch(r, spec, canaryWeight));
        const strip = (x: TcpRoute): TcpRoute => {
          const copy = structuredClone(x);
          const refs = copy.spec.rules[0]!.backendRefs;
          copy.spec.rules[0]!.backendRefs = refs.slice(0, r.spec.rules[0]!.backendRefs.length).map((b) => (b.name.startsWith('echo-') ? { ...b, weight: undefined } : b));
          return copy;
        };
        expect(deepEqual(strip(after), strip(r))).toBe(true);
        const original = r.spec.rules[0]!.backendRefs;
        const missing = [
          ref('echo-v1', 100 - canaryWeight),
          ref('echo-v2', canaryWeight),
        ].filter((b) => !original.some((o) => o.name === b.name));
        expect(after.spec.rules[0]!.backendRefs.slice(original.length)).toEqual(missing);
        expect(readTcpRouteWeights(after, spec)).toEqual({ stable: 100 - canaryWeight, canary: canaryWeight, total: 100, share: canaryWeight / 100 });
        expect(validateTcpRoute(after)).toEqual([]);
        // a rollback to the original shape gives the route back as it was (when the canary carried nothing)
        if (carriesNoCanary(r)) {
          const stepped = { ...after, metadata: { ...after.metadata, resourceVersion: `${r.metadata.resourceVersion}1` } };
          const restored = applyJsonPatch(stepped, tcpRouteWeightPatch(stepped, spec, 0, readShape(ownedTcpRouteBackends(r, spec))));
          expect(restored).toEqual({ ...r, metadata: { ...r.metadata, resourceVersion: stepped.metadata.resourceVersion } });
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** The route sends nothing to the canary (and carries traffic at all). */
function carriesNoCanary(r: TcpRoute): boolean {
  try {
    return readTcpRouteWeights(r, spec).canary === 0;
  } catch {
    return false;
  }
}
