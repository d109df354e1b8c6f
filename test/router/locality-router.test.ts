// Strategy locality against the API emulator, in this process: the LocalityRouter writes the
// DestinationRule's distribute (with tcpshift's annotations, in one PATCH) and never the
// VirtualService; a rollback with the shape read before the first write puts the DestinationRule
// back byte for byte; the locality pre-flight refuses what would drop endpoints or be overridden.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kube/index.js';
import { createRouter, LocalityRouter } from '../../src/router/index.js';
import { checkRoutingChain, PreflightError } from '../../src/shift/preflight/index.js';
import { distributeOf, migrateToLocality } from '../support/locality-chain.js';
import { readyPod } from '../support/routing-chain.js';
import { shiftFor } from '../support/shift-fixtures.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';

let api: ShiftApi;
const shift = shiftFor({ 'spec.strategy': 'locality' });
const DR = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', name: 'echo', namespace: 'echo' };
const VS = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };
let originalDr: KubeObject;

const stored = (ref: typeof DR): KubeObject => api.server.objects.get(ref);
const to = (): unknown => distributeOf(stored(DR));
// What a user wrote: everything but the server's own resourceVersion and generation.
const withoutVersion = (o: KubeObject): unknown => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, generation: undefined } });

function edit(ref: typeof DR, change: (spec: Record<string, unknown>) => Record<string, unknown>): void {
  const current = stored(ref);
  api.server.objects.update({ ...current, spec: change(current.spec as Record<string, unknown>) });
}

beforeAll(async () => {
  api = await startShiftApi();
  migrateToLocality(api.server.objects);
  originalDr = stored(DR);
});
afterAll(async () => api.close());
beforeEach(() => {
  const current = stored(DR);
  api.server.objects.update({ ...originalDr, metadata: { ...originalDr.metadata, resourceVersion: current.metadata.resourceVersion } });
  api.server.resetRequestCounts();
});

describe('LocalityRouter', () => {
  it('is what createRouter gives strategy locality, over the DestinationRule', async () => {
    const router = createRouter(api.kube, shift);
    expect(router).toBeInstanceOf(LocalityRouter);
    expect(router.description).toBe('DestinationRule echo/echo');
    expect((await router.read()).weights).toEqual({ stable: 100, canary: 0, total: 100, share: 0 });
  });

  it('writes each step as one PATCH of the DestinationRule carrying the weights and the state, never the VirtualService', async () => {
    const router = createRouter(api.kube, shift);
    const vsBefore = stored(VS);
    for (const [weight, expected] of [
      [20, { 'tcpshift/echo/v1': 80, 'tcpshift/echo/v2': 20 }],
      [50, { 'tcpshift/echo/v1': 50, 'tcpshift/echo/v2': 50 }],
      [100, { 'tcpshift/echo/v2': 100 }],
    ] as const) {
      const before = api.writes()['patch destinationrules'] ?? 0;
      await router.update(() => ({ canaryWeight: weight, annotations: { 'tcpshift.io/phase': `step-${weight}` } }));
      expect(api.writes()['patch destinationrules']).toBe(before + 1);
      expect(to()).toEqual(expected);
      // whole-object keys: one shift per DestinationRule, no per-port suffix
      expect(stored(DR).metadata.annotations?.['tcpshift.io/phase']).toBe(`step-${weight}`);
    }
    expect(Object.keys(api.writes())).toEqual(['patch destinationrules']);
    expect(stored(VS)).toEqual(vsBefore);
  });

  it('a rollback with the original shape removes what it added: the DestinationRule comes back byte for byte', async () => {
    const router = createRouter(api.kube, shift);
    const shape = (await router.read()).shape;
    expect(shape.created).toBe('/spec/trafficPolicy');
    await router.setCanaryWeight(25);
    await router.setCanaryWeight(50);
    await router.update(() => ({ canaryWeight: 0, restore: shape }));
    expect(JSON.stringify(withoutVersion(stored(DR)))).toBe(JSON.stringify(withoutVersion(originalDr)));
    // a second rollback has nothing to write
    const again = await router.update(() => ({ canaryWeight: 0, restore: shape }));
    expect(again.written).toBe(false);
  });

  it('a rollback without the original shape writes {stable: 100}', async () => {
    const router = createRouter(api.kube, shift);
    await router.setCanaryWeight(40);
    await router.setCanaryWeight(0);
    expect(to()).toEqual({ 'tcpshift/echo/v1': 100 });
  });
});

describe('locality pre-flight', () => {
  const check = async (): Promise<PreflightError> => {
    const router = createRouter(api.kube, shift);
    const error = await checkRoutingChain(api.kube, shift, (await router.read()).object).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    return error as PreflightError;
  };

  it('passes the migrated chain and says what it proved', async () => {
    const router = createRouter(api.kube, shift);
    const passed = await checkRoutingChain(api.kube, shift, (await router.read()).object);
    expect(passed.join('\n')).toMatch(/spec\.tcp\[0\]\.route: one destination, echo\.echo\.svc\.cluster\.local/);
    expect(passed.join('\n')).toMatch(/every Ready pod of Service echo\/echo is in locality tcpshift\/echo\/v1 or tcpshift\/echo\/v2/);
  });

  it('refuses a route with a subset and says how to migrate', async () => {
    const vs = stored(VS);
    edit(VS, (spec) => ({ ...spec, tcp: [{ match: [{ port: 31400 }], route: [{ destination: { host: 'echo.echo.svc.cluster.local', subset: 'v1' } }] }] }));
    try {
      const error = await check();
      expect(error).toMatchObject({ object: 'VirtualService echo/echo', field: 'spec.tcp[0].route[0].destination.subset', reason: 'RouteNotSingleDestination' });
      expect(error.message).toMatch(/tcpshift render --strategy locality.*drains the gateway port once/);
    } finally {
      api.server.objects.update({ ...vs, metadata: { ...vs.metadata, resourceVersion: stored(VS).metadata.resourceVersion } });
    }
  });

  it('refuses the route strategy shape (two weighted destinations)', async () => {
    const vs = stored(VS);
    edit(VS, (spec) => ({ ...spec, tcp: [{ match: [{ port: 31400 }], route: [{ destination: { host: 'echo', subset: 'v1' }, weight: 100 }, { destination: { host: 'echo', subset: 'v2' }, weight: 0 }] }] }));
    try {
      expect(await check()).toMatchObject({ field: 'spec.tcp[0].route', reason: 'RouteNotSingleDestination', problem: expect.stringMatching(/has 2 destinations/) as unknown });
    } finally {
      api.server.objects.update({ ...vs, metadata: { ...vs.metadata, resourceVersion: stored(VS).metadata.resourceVersion } });
    }
  });

  it('names the Ready pods without one of the two localities', async () => {
    const pod = readyPod('v3');
    const created = api.server.objects.create({ ...pod, metadata: { ...pod.metadata, labels: { app: 'echo', version: 'v3' } } });
    api.server.objects.update({ ...created, status: pod.status }, 'status');
    try {
      const error = await check();
      expect(error).toMatchObject({ object: 'Service echo/echo', reason: 'LocalityUnlabelled' });
      expect(error.message).toMatch(/1 Ready pod\(s\) carry neither tcpshift\.echo\.v1 nor tcpshift\.echo\.v2: echo-v3-0 \(no label\)/);
    } finally {
      api.server.objects.delete({ apiVersion: 'v1', kind: 'Pod', name: 'echo-v3-0', namespace: 'echo' });
    }
  });

  it.each([
    ['failover', { loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'b' }] } } }, 'spec.trafficPolicy.loadBalancer.localityLbSetting.failover'],
    ['enabled: false', { loadBalancer: { localityLbSetting: { enabled: false } } }, 'spec.trafficPolicy.loadBalancer.localityLbSetting.enabled'],
    ['a port-level loadBalancer', { portLevelSettings: [{ port: { number: 9000 }, loadBalancer: { simple: 'ROUND_ROBIN' } }] }, 'spec.trafficPolicy.portLevelSettings[0].loadBalancer'],
  ])('refuses a DestinationRule whose %s would override distribute', async (_name, trafficPolicy, field) => {
    edit(DR, (spec) => ({ ...spec, trafficPolicy }));
    expect(await check()).toMatchObject({ object: 'DestinationRule echo/echo', field, reason: 'LocalityOverridden' });
  });
});
