import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RouteDestination, TcpRoute, VirtualService } from '../../src/istio/types.js';
import { istioWeightPatch } from '../../src/istio/weight-patch.js';
import { ownedIstioRoute } from '../../src/istio/owned-route.js';
import { readShape } from '../../src/spec/weighted-route.js';
import { readIstioWeights } from '../../src/istio/weights.js';
import { validateVirtualService } from '../../src/istio/webhook-rules.js';
import { applyJsonPatch, deepEqual, JsonPatchError } from '../../src/util/json-patch.js';
import { istioShift } from './shifts.js';

// Random existing VirtualServices: http and tls routes, several tcp routes on other ports (or
// none), unknown fields at every level, annotations; one owned tcp route on port 31400 whose
// destinations are the stable and/or canary subsets (any order, any weights, with or without
// weight) plus foreign destinations that carry no traffic.
const HOST = 'echo.echo.svc.cluster.local';
const MATCH_PORT = 31400;

const unknownFields = fc.dictionary(fc.stringMatching(/^x[A-Za-z]{1,6}$/), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 });
const host = fc.constantFrom('a.ns.svc.cluster.local', 'b', 'c.example.com', HOST);
const weight = fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined });

function withWeight<T extends object>(entry: T, w: number | undefined): T & { weight?: number } {
  return w === undefined ? entry : { ...entry, weight: w };
}

const destination = (h: fc.Arbitrary<string>, subset: fc.Arbitrary<string>) =>
  fc.record({ h, subset, port: fc.integer({ min: 1, max: 65535 }), extra: unknownFields }).map(({ h: hostName, subset: s, port, extra }) => ({
    host: hostName,
    subset: s,
    port: { number: port },
    ...extra,
  }));

const httpRoute = fc.record({
  name: fc.stringMatching(/^[a-z]{1,8}$/),
  route: fc.array(fc.record({ d: destination(host, fc.constantFrom('v1', 'v2', 'blue')), w: fc.integer({ min: 1, max: 100 }) }), { minLength: 1, maxLength: 3 }),
  extra: unknownFields,
}).map(({ name, route, extra }) => ({ name, route: route.map(({ d, w }) => ({ destination: d, weight: w })), ...extra }));

const tlsRoute = fc.record({
  sni: fc.constantFrom('a.example.com', 'b.example.com'),
  d: destination(host, fc.constantFrom('v1', 'v2')),
  extra: unknownFields,
}).map(({ sni, d, extra }) => ({ match: [{ sniHosts: [sni], port: 443 }], route: [{ destination: d }], ...extra }));

const otherTcpRoute = fc.record({
  port: fc.option(fc.integer({ min: 31401, max: 31410 }), { nil: undefined }),
  d: destination(host, fc.constantFrom('v1', 'v2', 'v3')),
  w: weight,
  extra: unknownFields,
}).map(({ port, d, w, extra }): TcpRoute => ({
  match: [port === undefined ? { sourceLabels: { app: 'client' } } : { port }],
  route: [withWeight({ destination: d }, w)],
  ...extra,
}));

const owned = fc
  .record({
    roles: fc.constantFrom(['stable'], ['canary'], ['stable', 'canary'], ['canary', 'stable']),
    weights: fc.tuple(weight, weight),
    foreign: fc.array(destination(fc.constantFrom('other.ns.svc.cluster.local', HOST), fc.constantFrom('v3', 'v4')), { maxLength: 2 }),
    foreignAt: fc.nat(),
    port: fc.integer({ min: 1, max: 65535 }),
    extra: unknownFields,
    matchExtra: unknownFields,
  })
  .map(({ roles, weights, foreign, foreignAt, port, extra, matchExtra }): TcpRoute => {
    const route: RouteDestination[] = roles.map((role, i) =>
      withWeight({ destination: { host: HOST, subset: role === 'stable' ? 'v1' : 'v2', port: { number: port } } }, weights[i]),
    );
    const strangers = foreign.map((d) => ({ destination: d, weight: 0 }));
    route.splice(foreignAt % (route.length + 1), 0, ...strangers);
    return { match: [{ port: MATCH_PORT, ...matchExtra }], route, ...extra };
  });

const virtualService = fc
  .record({
    owned,
    others: fc.array(otherTcpRoute, { maxLength: 3 }),
    ownedAt: fc.nat(),
    http: fc.array(httpRoute, { maxLength: 2 }),
    tls: fc.array(tlsRoute, { maxLength: 2 }),
    resourceVersion: fc.integer({ min: 1, max: 1e9 }).map(String),
    annotations: fc.dictionary(fc.stringMatching(/^[a-z.]{1,10}\/[a-z]{1,8}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    metaExtra: unknownFields,
    specExtra: unknownFields,
    topExtra: unknownFields,
  })
  .map((g): { vs: VirtualService; ownedIndex: number } => {
    const tcp = [...g.others];
    const ownedIndex = g.ownedAt % (tcp.length + 1);
    tcp.splice(ownedIndex, 0, g.owned);
    const vs: VirtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'echo', namespace: 'echo', resourceVersion: g.resourceVersion, annotations: g.annotations, ...g.metaExtra },
      spec: { hosts: ['*'], gateways: ['echo-gateway'], tcp, ...(g.http.length > 0 && { http: g.http }), ...(g.tls.length > 0 && { tls: g.tls }), ...g.specExtra },
      ...g.topExtra,
    };
    return { vs, ownedIndex };
  });

const spec = istioShift().spec;

function isOwnedDestination(d: RouteDestination): boolean {
  return d.destination.host === HOST && (d.destination.subset === 'v1' || d.destination.subset === 'v2');
}

/** The VirtualService without the owned weights (and without a destination the patch appended). */
function withoutOwnedWeights(vs: VirtualService, ownedIndex: number, keep: number): VirtualService {
  const copy = structuredClone(vs);
  const route = copy.spec.tcp![ownedIndex]!.route;
  route.splice(keep);
  for (const d of route) if (isOwnedDestination(d)) delete d.weight;
  return copy;
}

describe('istioWeightPatch over random VirtualServices', () => {
  it('changes exactly the owned weights and nothing else', () => {
    fc.assert(
      fc.property(virtualService, fc.integer({ min: 0, max: 100 }), ({ vs, ownedIndex }, canaryWeight) => {
        const before = structuredClone(vs);
        const ops = istioWeightPatch(vs, spec, canaryWeight);
        const after = applyJsonPatch(vs, ops);
        expect(vs).toEqual(before); // the input is never modified

        const originalLength = vs.spec.tcp![ownedIndex]!.route.length;
        expect(deepEqual(withoutOwnedWeights(after, ownedIndex, originalLength), withoutOwnedWeights(vs, ownedIndex, originalLength))).toBe(true);

        // what was appended is the missing owned destination with its weight, nothing more
        const appended = after.spec.tcp![ownedIndex]!.route.slice(originalLength);
        const present = (subset: string): boolean => vs.spec.tcp![ownedIndex]!.route.some((d) => isOwnedDestination(d) && d.destination.subset === subset);
        const expected = [
          { subset: 'v1', weight: 100 - canaryWeight },
          { subset: 'v2', weight: canaryWeight },
        ].filter(({ subset }) => !present(subset));
        expect(appended).toEqual(expected.map(({ subset, weight: w }) => ({ destination: { host: HOST, subset, port: { number: 9000 } }, weight: w })));

        expect(readIstioWeights(after, spec)).toEqual({ stable: 100 - canaryWeight, canary: canaryWeight, total: 100, share: canaryWeight / 100 });
        expect(validateVirtualService(after)).toEqual([]);
        for (const op of ops) if (op.op !== 'test') expect(op.path.startsWith(`/spec/tcp/${ownedIndex}/route/`)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is refused by its test ops once the object changed', () => {
    fc.assert(
      fc.property(virtualService, fc.integer({ min: 0, max: 100 }), ({ vs }, canaryWeight) => {
        const ops = istioWeightPatch(vs, spec, canaryWeight);
        const newer = { ...vs, metadata: { ...vs.metadata, resourceVersion: `${vs.metadata.resourceVersion}0` } };
        expect(() => applyJsonPatch(newer, ops)).toThrow(JsonPatchError);
      }),
      { numRuns: 50 },
    );
  });

  it('a rollback with the original shape gives back the VirtualService as it was, byte for byte (modulo resourceVersion)', () => {
    fc.assert(
      fc.property(virtualService, fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 }), ({ vs, ownedIndex }, steps) => {
        const before = readable(vs);
        fc.pre(before !== undefined && before.canary === 0 && validateVirtualService(vs).length === 0);
        const shape = readShape(ownedIstioRoute(vs, spec));
        let current = vs;
        for (const [i, w] of steps.entries()) current = bump(applyJsonPatch(current, istioWeightPatch(current, spec, w)), i);
        const ops = istioWeightPatch(current, spec, 0, shape);
        for (const op of ops) if (op.op !== 'test') expect(op.path.startsWith(`/spec/tcp/${ownedIndex}/route/`)).toBe(true);
        const restored = applyJsonPatch(current, ops);
        expect(restored).toEqual({ ...vs, metadata: { ...vs.metadata, resourceVersion: current.metadata.resourceVersion } });
      }),
      { numRuns: 300 },
    );
  });
});

/** The owned weights, or undefined for a route that carries no traffic (nothing to shift). */
function readable(vs: VirtualService): { canary: number } | undefined {
  try {
    return readIstioWeights(vs, spec);
  } catch {
    return undefined;
  }
}

/** What the API server does on each write: a new resourceVersion. */
function bump(vs: VirtualService, i: number): VirtualService {
  return { ...vs, metadata: { ...vs.metadata, resourceVersion: `${vs.metadata.resourceVersion}${i}` } };
}
