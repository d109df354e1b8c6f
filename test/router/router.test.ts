import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidError } from '../../src/kube/index.js';
import { createRouter, GatewayApiRouter, IstioRouter, type TrafficRouter } from '../../src/router/index.js';
import { RoutingError } from '../../src/spec/routing-error.js';
import type { ResolvedGatewayApiSpec } from '../../src/spec/resolved-shift.js';
import { shiftFor } from '../support/shift-fixtures.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';
import { virtualService } from '../support/apiserver-fixtures.js';

let api: ShiftApi;
let router: TrafficRouter;
const shift = shiftFor();

beforeAll(async () => {
  api = await startShiftApi();
});
afterAll(async () => api.close());

beforeEach(() => {
  const vs = api.vs();
  api.server.objects.update({ ...virtualService('echo', [100, 0], 'echo'), metadata: { ...vs.metadata, annotations: {}, labels: { app: 'echo' } } });
  api.server.resetRequestCounts();
  router = createRouter(api.kube, shift);
});

describe('IstioRouter', () => {
  it('reads the owned weights and the share', async () => {
    expect(router).toBeInstanceOf(IstioRouter);
    expect(router.description).toBe('VirtualService echo/echo');
    const { weights } = await router.read();
    expect(weights).toEqual({ stable: 100, canary: 0, total: 100, share: 0 });
  });

  it('sets the canary weight in exactly one PATCH and touches nothing else', async () => {
    const before = api.vs();
    const result = await router.setCanaryWeight(25);
    expect(result).toMatchObject({ written: true, attempts: 1 });
    expect(result.snapshot.weights).toMatchObject({ stable: 75, canary: 25, share: 0.25 });
    expect(api.writes()).toEqual({ 'patch virtualservices': 1 });
    const after = api.vs();
    expect(api.weights()).toEqual([75, 25]);
    expect({ ...after.spec, tcp: undefined }).toEqual({ ...before.spec, tcp: undefined });
    expect(after.metadata.labels).toEqual(before.metadata.labels);
  });

  it('writes weights and annotations together in one PATCH; removing an absent annotation is no op', async () => {
    await router.update(() => ({ canaryWeight: 10, annotations: { 'tcpshift.io/phase': 'stepping', 'tcpshift.io/gone': null }, labels: { 'tcpshift.io/shift': 'demo' } }));
    expect(api.writes()).toEqual({ 'patch virtualservices': 1 });
    // tcpshift's annotations are per tcp route: stored with the route's match port as suffix
    expect(api.vs().metadata.annotations).toEqual({ 'tcpshift.io/phase.31400': 'stepping' });
    expect(api.vs().metadata.labels).toEqual({ app: 'echo', 'tcpshift.io/shift': 'demo' });
    await router.update(() => ({ annotations: { 'tcpshift.io/phase': null } }));
    expect(api.vs().metadata.annotations).toEqual({});
  });

  it('writes nothing when the change asks for what is already there', async () => {
    const result = await router.update(() => ({ canaryWeight: 0, annotations: { gone: null } }));
    expect(result.written).toBe(false);
    expect(api.writes()).toEqual({});
  });

  it('a concurrent editor adding an http route between our read and our write loses nothing: the patch is recomputed', async () => {
    const basis = await router.read();
    const vs = api.vs();
    const http = [{ match: [{ port: 80 }], route: [{ destination: { host: 'web.echo.svc.cluster.local' } }] }];
    // The editor inserts a tcp route before ours, too: the owned route's index moves.
    const otherTcp = { match: [{ port: 31500 }], route: [{ destination: { host: 'db.echo.svc.cluster.local' } }] };
    api.server.objects.update({ ...vs, spec: { ...vs.spec, http, tcp: [otherTcp, ...vs.spec.tcp] } });
    let calls = 0;
    const result = await router.update(() => {
      calls++;
      return { canaryWeight: 50, annotations: { 'tcpshift.io/phase': 'baking' } };
    }, { basis });
    expect(result.attempts).toBe(2);
    expect(calls).toBe(2);
    const after = api.vs();
    expect(after.spec.http).toEqual(http);
    expect(after.spec.tcp[0]).toEqual(otherTcp);
    expect(api.weights()).toEqual([50, 50]);
    expect(after.metadata.annotations).toEqual({ 'tcpshift.io/phase.31400': 'baking' });
    expect(api.writes()).toEqual({ 'patch virtualservices': 2 });
  });

  it('a change that throws gives up without writing', async () => {
    await expect(router.update(() => { throw new Error('held elsewhere'); })).rejects.toThrow('held elsewhere');
    expect(api.writes()).toEqual({});
  });

  it('a genuine rejection (422 on an object that did not move) is not retried', async () => {
    await expect(router.update(() => ({ labels: { 'tcpshift.io/shift': '-not a label value-' } }))).rejects.toBeInstanceOf(InvalidError);
    expect(api.writes()).toEqual({ 'patch virtualservices': 1 });
  });

  it('refuses a route it cannot shift, with a RoutingError naming the problem', async () => {
    const other = shiftFor({ 'spec.target.matchPort': 31999 });
    await expect(createRouter(api.kube, other).read()).rejects.toThrow(RoutingError);
    await expect(createRouter(api.kube, other).read()).rejects.toThrow(/no tcp route matching port 31999/);
  });

  it('validateWeight throws the RoutingError a write would meet, without writing', async () => {
    const snapshot = await router.read();
    expect(() => router.validateWeight(snapshot, 30)).not.toThrow();
    const broken = { ...snapshot, object: { ...snapshot.object, spec: { ...(snapshot.object.spec as object), hosts: [] } } };
    expect(() => router.validateWeight(broken, 30)).toThrow(RoutingError);
    expect(api.writes()).toEqual({});
  });

  it('watch delivers the current object, then each change', async () => {
    const seen: Array<string | undefined> = [];
    const stop = await router.watch((o) => seen.push(o ? router.annotationsOf(o)['tcpshift.io/request'] : undefined));
    await router.update(() => ({ annotations: { 'tcpshift.io/request': 'abort' } }));
    for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(seen).toEqual([undefined, 'abort']);
  });
});

describe('per-route annotations and the restore of the original shape', () => {
  /** The sandbox's VirtualService with a second tcp route on 31401 that has only v1 (no weight field). */
  function twoRoutes(annotations: Record<string, string> = {}): void {
    const vs = api.vs();
    const second = { match: [{ port: 31401 }], route: [{ destination: { host: 'echo.echo.svc.cluster.local', subset: 'v1', port: { number: 9000 } } }] };
    api.server.objects.update({ ...vs, metadata: { ...vs.metadata, annotations }, spec: { ...vs.spec, tcp: [...vs.spec.tcp, second] } });
  }

  it('two routes of one VirtualService keep separate annotations; each sees only its own under the plain names', async () => {
    twoRoutes();
    const other = createRouter(api.kube, shiftFor({ 'spec.target.matchPort': 31401 }));
    await router.update(() => ({ canaryWeight: 10, annotations: { 'tcpshift.io/phase': 'stepping', 'tcpshift.io/holder': 'a' } }));
    await other.update(() => ({ canaryWeight: 50, annotations: { 'tcpshift.io/phase': 'baking', 'tcpshift.io/holder': 'b' } }));
    expect(api.vs().metadata.annotations).toEqual({
      'tcpshift.io/phase.31400': 'stepping',
      'tcpshift.io/holder.31400': 'a',
      'tcpshift.io/phase.31401': 'baking',
      'tcpshift.io/holder.31401': 'b',
    });
    expect((await router.read()).annotations).toEqual({ 'tcpshift.io/phase': 'stepping', 'tcpshift.io/holder': 'a' });
    expect((await other.read()).annotations).toEqual({ 'tcpshift.io/phase': 'baking', 'tcpshift.io/holder': 'b' });
    expect((await router.read()).weights).toMatchObject({ stable: 90, canary: 10 });
  });

  it("a write computed from a stale read is recomputed (409/422) and keeps the other route's annotations", async () => {
    twoRoutes();
    const other = createRouter(api.kube, shiftFor({ 'spec.target.matchPort': 31401 }));
    const basis = await router.read();
    await other.update(() => ({ canaryWeight: 25, annotations: { 'tcpshift.io/state': 'theirs' } }));
    const result = await router.update(() => ({ canaryWeight: 10, annotations: { 'tcpshift.io/state': 'ours' } }), { basis });
    expect(result.attempts).toBe(2);
    expect(api.vs().metadata.annotations).toEqual({ 'tcpshift.io/state.31401': 'theirs', 'tcpshift.io/state.31400': 'ours' });
    expect((await other.read()).weights).toMatchObject({ stable: 75, canary: 25 });
  });

  it("reads the previous version's plain annotations as its route's, and moves them to its keys at the first write", async () => {
    const legacySpec = JSON.stringify({ metadata: { name: 'demo' }, spec: { target: { matchPort: 31400 } } });
    twoRoutes({ 'tcpshift.io/state': '{"old":1}', 'tcpshift.io/spec': legacySpec, 'tcpshift.io/phase': 'promoted', team: 'blue' });
    const other = createRouter(api.kube, shiftFor({ 'spec.target.matchPort': 31401 }));
    expect((await router.read()).annotations).toEqual({ 'tcpshift.io/state': '{"old":1}', 'tcpshift.io/spec': legacySpec, 'tcpshift.io/phase': 'promoted', team: 'blue' });
    expect((await other.read()).annotations).toEqual({ team: 'blue' }); // not the other route's
    await router.update(() => ({ annotations: { 'tcpshift.io/phase': 'rolled-back' } }));
    expect(api.vs().metadata.annotations).toEqual({ 'tcpshift.io/state.31400': '{"old":1}', 'tcpshift.io/spec.31400': legacySpec, 'tcpshift.io/phase.31400': 'rolled-back', team: 'blue' });
    expect(api.writes()).toEqual({ 'patch virtualservices': 1 });
  });

  it('canary 0 with restore removes the destination tcpshift added and puts back the weight field: the route as before', async () => {
    twoRoutes();
    const second = createRouter(api.kube, shiftFor({ 'spec.target.matchPort': 31401 }));
    const before = api.vs();
    const original = (await second.read()).shape;
    expect(original).toEqual({ stable: {}, canary: null });
    await second.setCanaryWeight(20);
    expect(api.vs().spec.tcp[1]!.route).toHaveLength(2);
    await second.update(() => ({ canaryWeight: 0, restore: original }));
    expect({ ...api.vs().spec }).toEqual(before.spec);
    api.server.resetRequestCounts();
    expect((await second.update(() => ({ canaryWeight: 0, restore: original }))).written).toBe(false); // already restored
    expect(api.writes()).toEqual({});
  });
});

describe('GatewayApiRouter', () => {
  it('shifts the owned backendRefs of a TCPRoute in one PATCH', async () => {
    const tcpRouter = createRouter(api.kube, api.gatewayApiShift);
    expect(tcpRouter).toBeInstanceOf(GatewayApiRouter);
    expect(tcpRouter.description).toBe('TCPRoute echo/echo');
    expect((await tcpRouter.read()).weights).toMatchObject({ stable: 100, canary: 0 });
    await tcpRouter.setCanaryWeight(40);
    expect(api.writes()).toEqual({ 'patch tcproutes': 1 });
    const route = api.server.objects.get({ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', name: 'echo', namespace: 'echo' }) as unknown as { spec: { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> } };
    expect(route.spec.rules[0]!.backendRefs.map((b) => [b.name, b.weight])).toEqual([['echo-v1', 60], ['echo-v2', 40]]);
    const spec = api.gatewayApiShift.spec as ResolvedGatewayApiSpec;
    expect(spec.provider).toBe('gateway-api');
  });
});
