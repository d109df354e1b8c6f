import { describe, expect, it } from 'vitest';
import { findOwnedTcpRoute } from '../../src/istio/owned-route.js';
import type { TcpRoute, VirtualService } from '../../src/istio/types.js';
import { istioWeightPatch } from '../../src/istio/weight-patch.js';
import { readIstioWeights } from '../../src/istio/weights.js';
import { RoutingError } from '../../src/spec/routing-error.js';
import { applyJsonPatch, JsonPatchError } from '../../src/util/json-patch.js';
import { istioShift } from './shifts.js';

const HOST = 'echo.echo.svc.cluster.local';
const spec = istioShift().spec;

function dest(subset: string, weight?: number, host = HOST): TcpRoute['route'][number] {
  return { destination: { host, subset, port: { number: 9000 } }, ...(weight !== undefined && { weight }) };
}

function tcp(port: number, route: TcpRoute['route'], gateways?: string[]): TcpRoute {
  return { match: [{ port, ...(gateways && { gateways }) }], route };
}

function vs(routes: TcpRoute[], extra: Partial<VirtualService['spec']> = {}): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'echo', namespace: 'echo', resourceVersion: '41' },
    spec: { hosts: ['*'], gateways: ['echo-gateway'], tcp: routes, ...extra },
  };
}

describe('findOwnedTcpRoute', () => {
  it('picks the tcp route matching the port among others', () => {
    const v = vs([tcp(31401, [dest('v1')]), tcp(31400, [dest('v1')]), { route: [dest('v1')] }]);
    expect(findOwnedTcpRoute(v, { matchPort: 31400 })).toBe(1);
  });

  it('says when no tcp route matches, listing the ports it has', () => {
    expect(() => findOwnedTcpRoute(vs([tcp(31401, [dest('v1')])]), { matchPort: 31400 })).toThrow(
      /VirtualService echo\/echo has no tcp route matching port 31400 \(spec\.tcp\[0\] matches port 31401\)/,
    );
    expect(() => findOwnedTcpRoute(vs([]), { matchPort: 31400 })).toThrow(/it has no tcp routes/);
  });

  it('says when several match, and the gateways pick one', () => {
    const v = vs([tcp(31400, [dest('v1')], ['gw-a']), tcp(31400, [dest('v1')], ['other/gw-b'])]);
    expect(() => findOwnedTcpRoute(v, { matchPort: 31400 })).toThrow(/has 2 tcp routes matching port 31400 \(spec\.tcp\[0\], spec\.tcp\[1\]\); name the gateways/);
    expect(findOwnedTcpRoute(v, { matchPort: 31400, gateways: ['echo/gw-a'] })).toBe(0);
    expect(findOwnedTcpRoute(v, { matchPort: 31400, gateways: ['other/gw-b'] })).toBe(1);
    expect(() => findOwnedTcpRoute(v, { matchPort: 31400, gateways: ['gw-b'] })).toThrow(/no tcp route matching port 31400 and gateways gw-b/);
  });

  it('uses the VirtualService gateways, then mesh, for a match without gateways', () => {
    const v = vs([tcp(31400, [dest('v1')])], { gateways: undefined });
    expect(findOwnedTcpRoute(v, { matchPort: 31400, gateways: ['mesh'] })).toBe(0);
    expect(() => findOwnedTcpRoute(v, { matchPort: 31400, gateways: ['echo-gateway'] })).toThrow(RoutingError);
  });
});

describe('readIstioWeights', () => {
  it('reads shares as w / sum, never assuming 100', () => {
    expect(readIstioWeights(vs([tcp(31400, [dest('v2', 1), dest('v1', 3)])]), spec)).toEqual({ stable: 3, canary: 1, total: 4, share: 0.25 });
  });

  it('counts an absent weight as 0 when there are several destinations', () => {
    expect(readIstioWeights(vs([tcp(31400, [dest('v1', 3), dest('v2')])]), spec)).toEqual({ stable: 3, canary: 0, total: 3, share: 0 });
  });

  it('counts a lone destination as all the traffic, whatever its weight', () => {
    expect(readIstioWeights(vs([tcp(31400, [dest('v2')])]), spec)).toMatchObject({ stable: 0, canary: 100, share: 1 });
  });

  it('compares hosts as istiod resolves them: a short name is the namespace\'s Service, a dotted name is taken as written', () => {
    expect(readIstioWeights(vs([tcp(31400, [dest('v1', 9, 'echo'), dest('v2', 1, 'echo.echo.svc.cluster.local')])]), spec)).toMatchObject({ share: 0.1 });
    // ResolveShortnameToFQDN expands only a name without dots: `echo.echo` is another host.
    expect(() => readIstioWeights(vs([tcp(31400, [dest('v1', 9, 'echo'), dest('v2', 1, 'echo.echo')])]), spec)).toThrow(/route\[1\] \(echo\.echo\/v2\)/);
    // A Service of another namespace is never the same host, short name or FQDN.
    const other = { ...spec, target: { ...spec.target, host: 'echo.default.svc.cluster.local' } };
    expect(() => readIstioWeights(vs([tcp(31400, [dest('v1', 100, 'echo'), dest('v2', 0, 'echo')])]), other)).toThrow(/neither subset v1 nor v2 of echo\.default\.svc\.cluster\.local/);
  });

  it('refuses a route where another destination carries traffic, or none carries any', () => {
    expect(() => readIstioWeights(vs([tcp(31400, [dest('v1', 50), dest('v2', 25), dest('v3', 25)])]), spec)).toThrow(
      /spec\.tcp\[0\]\.route: destinations other than the stable and canary subsets carry traffic: spec\.tcp\[0\]\.route\[2\]/,
    );
    expect(() => readIstioWeights(vs([tcp(31400, [dest('v1', 0), dest('v2', 0)])]), spec)).toThrow(/weights sum to 0/);
    expect(() => readIstioWeights(vs([tcp(31400, [dest('v7', 1), dest('v8', 0)])]), spec)).toThrow(/routes to neither subset v1 nor v2/);
  });
});

describe('istioWeightPatch', () => {
  it('sets the owned weights, guarded by the resourceVersion and the destinations at those indices', () => {
    const v = vs([tcp(31401, [dest('v1')]), tcp(31400, [dest('v2', 10), dest('v1', 90)])]);
    const ops = istioWeightPatch(v, spec, 25);
    expect(ops).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '41' },
      { op: 'test', path: '/spec/tcp/1/route/1/destination', value: dest('v1').destination },
      { op: 'test', path: '/spec/tcp/1/route/0/destination', value: dest('v2').destination },
      { op: 'add', path: '/spec/tcp/1/route/1/weight', value: 75 },
      { op: 'add', path: '/spec/tcp/1/route/0/weight', value: 25 },
    ]);
    expect(readIstioWeights(applyJsonPatch(v, ops), spec)).toMatchObject({ stable: 75, canary: 25, share: 0.25 });
  });

  it('adds the canary destination with weight 0 first to a single-destination route', () => {
    const v = vs([tcp(31400, [dest('v1')])]);
    const ops = istioWeightPatch(v, spec, 10);
    expect(ops.slice(2)).toEqual([
      { op: 'add', path: '/spec/tcp/0/route/1', value: { ...dest('v2'), weight: 0 } },
      { op: 'add', path: '/spec/tcp/0/route/0/weight', value: 90 },
      { op: 'add', path: '/spec/tcp/0/route/1/weight', value: 10 },
    ]);
    expect(applyJsonPatch(v, ops).spec.tcp?.[0]?.route).toEqual([dest('v1', 90), dest('v2', 10)]);
  });

  it('fails its test ops on a concurrent change', () => {
    const v = vs([tcp(31400, [dest('v1', 100), dest('v2', 0)])]);
    const ops = istioWeightPatch(v, spec, 50);
    const changedVersion = { ...v, metadata: { ...v.metadata, resourceVersion: '42' } };
    expect(() => applyJsonPatch(changedVersion, ops)).toThrow(JsonPatchError);
    const reordered = vs([tcp(31400, [dest('v2', 0), dest('v1', 100)])]);
    expect(() => applyJsonPatch(reordered, ops)).toThrow(/test failed at '\/spec\/tcp\/0\/route\/0\/destination'/);
  });

  it("refuses to produce an object istiod's webhook would reject", () => {
    const bad = vs([tcp(31400, [dest('v1', 100), dest('v2', 0)]), tcp(31401, [dest('v1', -1), dest('v2', 1)])]);
    expect(() => istioWeightPatch(bad, spec, 10)).toThrow(/would be invalid: spec\.tcp\[1\]\.route\[0\]\.weight: weight -1 < 0/);
  });

  it('needs a resourceVersion and a weight in 0..100', () => {
    const v = vs([tcp(31400, [dest('v1')])]);
    expect(() => istioWeightPatch({ ...v, metadata: { name: 'echo' } }, spec, 10)).toThrow(/metadata\.resourceVersion: the VirtualService has no resourceVersion/);
    expect(() => istioWeightPatch(v, spec, 101)).toThrow(/integer in 0\.\.100/);
  });
});

describe('malformed VirtualServices', () => {
  it('give a RoutingError, not a crash', () => {
    const odd = vs([{ match: [null, { port: 31400 }], route: [null, dest('v1', 1)] } as unknown as TcpRoute, { match: 'x' } as unknown as TcpRoute]);
    expect(readIstioWeights(odd, spec)).toMatchObject({ stable: 1, canary: 0 });
    expect(() => istioWeightPatch(odd, spec, 10)).toThrow(/would be invalid: spec\.tcp\[0\]\.match\[0\]: tcp match may not be nil/);
    expect(() => findOwnedTcpRoute({ ...odd, spec: { tcp: 'x' as unknown as TcpRoute[] } }, { matchPort: 31400 })).toThrow(/tcp must be a list/);
  });
});
