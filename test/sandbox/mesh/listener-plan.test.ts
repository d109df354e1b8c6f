// istiod's listener plan for the ingress gateway: which tcp route a gateway port takes, and when
// the resulting tcp_proxy differs (a drain) or not (metadata only).
import { describe, expect, it } from 'vitest';
import { planListeners, type ListenerPlan } from '../../../src/sandbox/mesh/listener-plan.js';
import { INGRESS_GATEWAY_LABELS } from '../../../src/sandbox/mesh/gateway-servers.js';
import type { MeshObjects } from '../../../src/sandbox/mesh/mesh-objects.js';
import { sandboxMesh, tcpRoute, weightedVs } from '../../support/sandbox-mesh-fixtures.js';

const plan = (objects: MeshObjects): ListenerPlan[] => planListeners(objects, INGRESS_GATEWAY_LABELS);
const only = (objects: MeshObjects): ListenerPlan => {
  const plans = plan(objects);
  expect(plans).toHaveLength(1);
  return plans[0] as ListenerPlan;
};
const routed = (p: ListenerPlan): Array<[string, number]> => (p.tcpProxy?.clusters ?? []).map((c) => [c.cluster.subset ?? c.cluster.host, c.weight]);
const V1 = 'outbound|9000|v1|echo.echo.svc.cluster.local';

describe('listener plan', () => {
  it('gives the sandbox gateway port 31400 the VirtualService route, zero weights dropped', () => {
    const p = only(sandboxMesh());
    expect(p.gatewayPort).toBe(31400);
    expect(p.servers).toEqual([{ gateway: 'echo/echo-gateway', port: 31400, sectionName: 'tcp', hosts: ['*'] }]);
    expect(p.tcpProxy).toMatchObject({ source: 'VirtualService echo/echo', weighted: true });
    expect(p.tcpProxy?.clusters.map((c) => c.cluster.name)).toEqual([V1]);
  });

  it('keeps weights as written: the share is weight / sum, not / 100', () => {
    const objects = { ...sandboxMesh(), virtualServices: [weightedVs('echo', [['v1', 3], ['v2', 1]])] };
    expect(routed(only(objects))).toEqual([['v1', 3], ['v2', 1]]);
  });

  it('a lone destination is a plain cluster whatever its weight: changing that weight changes nothing', () => {
    const a = only({ ...sandboxMesh(), virtualServices: [weightedVs('echo', [['v1', 100]])] });
    const b = only({ ...sandboxMesh(), virtualServices: [weightedVs('echo', [['v1', 7]])] });
    expect(a.tcpProxy?.weighted).toBe(false);
    expect(a.tcpProxy?.key).toBe(b.tcpProxy?.key);
    // ...but [v1 100] alone and [v1 100, v2 0] are different Envoy configs (cluster vs weighted_clusters).
    expect(only(sandboxMesh()).tcpProxy?.key).not.toBe(a.tcpProxy?.key);
  });

  it('a weight change changes the key; annotations, labels and resourceVersion do not', () => {
    const before = only(sandboxMesh()).tcpProxy?.key;
    const mesh = sandboxMesh();
    const vs = mesh.virtualServices[0]!;
    vs.metadata = { ...vs.metadata, annotations: { 'tcpshift.io/state': '{"step":1}' }, labels: { x: 'y' }, resourceVersion: '999', generation: 4 };
    expect(only(mesh).tcpProxy?.key).toBe(before);
    const shifted = { ...sandboxMesh(), virtualServices: [weightedVs('echo', [['v1', 90], ['v2', 10]])] };
    expect(only(shifted).tcpProxy?.key).not.toBe(before);
  });

  it('the weighted key names the VirtualService (Envoy stat prefix): the same weights from another one differ', () => {
    const a = only({ ...sandboxMesh(), virtualServices: [weightedVs('echo', [['v1', 90], ['v2', 10]])] });
    const b = only({ ...sandboxMesh(), virtualServices: [weightedVs('other', [['v1', 90], ['v2', 10]])] });
    expect(a.tcpProxy?.key).not.toBe(b.tcpProxy?.key);
  });

  it('takes the first matching route of the oldest VirtualService; ties go by name', () => {
    const older = weightedVs('zzz', [['v2', 100]], { created: '2026-11-21T09:00:00Z' });
    const newer = weightedVs('aaa', [['v1', 100]], { created: '2026-11-21T11:00:00Z' });
    expect(only({ ...sandboxMesh(), virtualServices: [newer, older] }).tcpProxy?.source).toBe('VirtualService echo/zzz');
    const tieA = weightedVs('aaa', [['v1', 100]]);
    const tieB = weightedVs('bbb', [['v2', 100]]);
    expect(only({ ...sandboxMesh(), virtualServices: [tieB, tieA] }).tcpProxy?.source).toBe('VirtualService echo/aaa');
    const vs = weightedVs('two-rules', [['v1', 100]]);
    vs.spec.tcp = [{ match: [{ port: 9999 }], route: [{ destination: { host: 'echo', subset: 'v2' } }] }, ...(vs.spec.tcp ?? [])];
    expect(routed(only({ ...sandboxMesh(), virtualServices: [vs] }))).toEqual([['v1', 1]]);
  });

  it('binds only VirtualServices that name the gateway (none: mesh only), in their namespace', () => {
    const noGateways = weightedVs('echo', [['v1', 100]], { gateways: [] });
    expect(only({ ...sandboxMesh(), virtualServices: [noGateways] }).tcpProxy).toBeUndefined();
    const qualified = weightedVs('echo', [['v1', 100]], { gateways: ['echo/echo-gateway'] });
    expect(only({ ...sandboxMesh(), virtualServices: [qualified] }).tcpProxy).toBeDefined();
    const elsewhere = weightedVs('echo', [['v1', 100]], { namespace: 'other' });
    expect(only({ ...sandboxMesh(), virtualServices: [elsewhere] }).tcpProxy).toBeUndefined();
  });

  it('l4 matches: another port or gateway does not match; no match at all matches every port', () => {
    const m = (match: unknown[]) => only({ ...sandboxMesh(), virtualServices: [weightedVs('echo', [['v1', 100]], { match })] }).tcpProxy;
    expect(m([{ port: 31401 }])).toBeUndefined();
    expect(m([{ port: 31400, gateways: ['other-gateway'] }])).toBeUndefined();
    expect(m([{ port: 31401 }, { port: 31400, gateways: ['echo-gateway'] }])).toBeDefined();
    expect(m([])).toBeDefined();
    expect(m([{ gateways: ['echo-gateway'] }])).toBeDefined();
  });

  it('server hosts ns/* admit only VirtualServices of that namespace', () => {
    const mesh = sandboxMesh();
    mesh.gateways[0]!.spec.servers![0]!.hosts = ['prod/*'];
    expect(only(mesh).tcpProxy).toBeUndefined();
    mesh.gateways[0]!.spec.servers![0]!.hosts = ['echo/*'];
    expect(only(mesh).tcpProxy).toBeDefined();
  });

  it('opens listeners only for plain TCP servers of Gateways selecting the ingress gateway', () => {
    const mesh = sandboxMesh();
    mesh.gateways[0]!.spec.selector = { istio: 'egressgateway' };
    expect(plan(mesh)).toEqual([]);
    const tls = sandboxMesh();
    tls.gateways[0]!.spec.servers!.push({ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['*'], tls: { mode: 'PASSTHROUGH' } });
    tls.gateways[0]!.spec.servers!.push({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] });
    tls.gateways[0]!.spec.servers!.push({ port: { number: 31500, name: 'tcp-2', protocol: 'tcp' }, hosts: ['*'] });
    expect(plan(tls).map((p) => p.gatewayPort)).toEqual([31400, 31500]);
  });

  it('rejects what istiod would reject: no destination, a negative weight, every weight 0', () => {
    const bad = (weights: Array<[string, number | undefined]>) => only({ ...sandboxMesh(), virtualServices: [weightedVs('echo', weights)] });
    expect(bad([]).problem).toMatch(/TCP route is required/);
    expect(bad([['v1', -1], ['v2', 101]]).problem).toMatch(/weight -1/);
    expect(bad([['v1', 0], ['v2', undefined]]).problem).toMatch(/every destination has weight 0/);
    expect(bad([['v1', 0], ['v2', undefined]]).tcpProxy).toBeUndefined();
  });

  it('names clusters with the Service port when the destination has none and the Service has one port', () => {
    const vs = weightedVs('echo', [['v1', 100]]);
    vs.spec.tcp![0]!.route = [{ destination: { host: 'echo', subset: 'v1' } }];
    expect(only({ ...sandboxMesh(), virtualServices: [vs] }).tcpProxy?.clusters[0]?.cluster.name).toBe(V1);
  });
});

describe('TCPRoute as istiod converts it', () => {
  const withRoute = (route: ReturnType<typeof tcpRoute>) => ({ ...sandboxMesh(), virtualServices: [], tcpRoutes: [route] });

  it('attaches to the Istio Gateway named by parentRef and its sectionName; backends are one Service each', () => {
    const p = only(withRoute(tcpRoute('echo', [['echo-v1', 80], ['echo-v2', 20]])));
    expect(p.tcpProxy?.source).toBe('TCPRoute echo/echo');
    expect(p.tcpProxy?.clusters.map((c) => [c.cluster.name, c.weight])).toEqual([
      ['outbound|9000||echo-v1.echo.svc.cluster.local', 80],
      ['outbound|9000||echo-v2.echo.svc.cluster.local', 20],
    ]);
  });

  it('an absent weight is 1, a zero weight is dropped', () => {
    expect(routed(only(withRoute(tcpRoute('echo', [['echo-v1', undefined], ['echo-v2', undefined]]))))).toEqual([
      ['echo-v1.echo.svc.cluster.local', 1],
      ['echo-v2.echo.svc.cluster.local', 1],
    ]);
    expect(routed(only(withRoute(tcpRoute('echo', [['echo-v1', 0], ['echo-v2', 5]]))))).toEqual([['echo-v2.echo.svc.cluster.local', 5]]);
  });

  it('does not attach when the sectionName, port or Gateway does not exist', () => {
    expect(only(withRoute(tcpRoute('echo', [['echo-v1', 1]], { name: 'echo-gateway', sectionName: 'tcp-31400' }))).tcpProxy).toBeUndefined();
    expect(only(withRoute(tcpRoute('echo', [['echo-v1', 1]], { name: 'echo-gateway', port: 31401 }))).tcpProxy).toBeUndefined();
    expect(only(withRoute(tcpRoute('echo', [['echo-v1', 1]], { name: 'nope' }))).tcpProxy).toBeUndefined();
    expect(only(withRoute(tcpRoute('echo', [['echo-v1', 1]], { name: 'echo-gateway', port: 31400 }))).tcpProxy).toBeDefined();
  });

  it('competes with VirtualServices by age, as converted VirtualServices do', () => {
    const mesh = { ...sandboxMesh(), tcpRoutes: [tcpRoute('echo', [['echo-v2', 1]], undefined, '2026-11-21T12:00:00Z')] };
    expect(only(mesh).tcpProxy?.source).toBe('VirtualService echo/echo');
    mesh.tcpRoutes = [tcpRoute('echo', [['echo-v2', 1]], undefined, '2026-11-21T08:00:00Z')];
    expect(only(mesh).tcpProxy?.source).toBe('TCPRoute echo/echo');
  });

  it('a backend that is not a Service gets a cluster no endpoint can be in', () => {
    const route = tcpRoute('echo', [['echo-v1', 1]]);
    route.spec.rules![0]!.backendRefs![0]!.kind = 'ServiceImport';
    route.spec.rules![0]!.backendRefs![0]!.group = 'multicluster.x-k8s.io';
    expect(only(withRoute(route)).tcpProxy?.clusters[0]?.cluster.host).toMatch(/\.invalid$/);
  });
});
