// target.matchPorts: several tcp routes of one VirtualService in one guarded JSON Patch, the spec
// rules around it, and the per-port judgement of the probes.
import { describe, expect, it } from 'vitest';
import { readLockstepShape } from '../../src/istio/lockstep-routes.js';
import { renderIstioResources } from '../../src/istio/render.js';
import type { IstioGateway, TcpRoute, VirtualService } from '../../src/istio/types.js';
import { istioWeightPatch } from '../../src/istio/weight-patch.js';
import { readIstioWeights } from '../../src/istio/weights.js';
import { assessStep, type StepObservation } from '../../src/shift/policy.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import { RoutingError } from '../../src/spec/routing-error.js';
import { applyJsonPatch } from '../../src/util/json-patch.js';
import { exampleObject, withChanges } from '../spec/examples.js';
import { longLived, newConnections } from '../support/shift-fixtures.js';
import { istioShift } from './shifts.js';

const HOST = 'echo.echo.svc.cluster.local';
const TWO_PORTS = { 'spec.target.matchPort': undefined, 'spec.target.matchPorts': [9000, 9001] };
const spec = istioShift(TWO_PORTS).spec;

const dest = (subset: string, port: number, weight?: number): TcpRoute['route'][number] => ({
  destination: { host: HOST, subset, port: { number: port } },
  ...(weight !== undefined && { weight }),
});

/** Istio's tcp-echo shape: gateway ports 9000 and 9001 to the same ports of the Service, v1 alone; and a user's route tcpshift must not touch. */
function sample(): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'echo', namespace: 'echo', resourceVersion: '7', annotations: { team: 'payments' } },
    spec: {
      hosts: ['*'],
      gateways: ['echo-gateway'],
      tcp: [
        { match: [{ port: 9000 }], route: [dest('v1', 9000)] },
        { match: [{ port: 5432 }], route: [dest('v1', 5432, 70), { destination: { host: 'legacy.echo.svc.cluster.local', port: { number: 5432 } }, weight: 30 }] },
        { match: [{ port: 9001 }], route: [dest('v1', 9001, 100), dest('v2', 9001, 0)] },
      ],
    },
  };
}

const apply = (vs: VirtualService, canary: number, restore?: ReturnType<typeof readLockstepShape>): VirtualService =>
  applyJsonPatch(vs, istioWeightPatch(vs, spec, canary, restore));

describe('target.matchPorts: one patch for every owned route', () => {
  it('sets both routes in one patch guarded by one resourceVersion test, each on its own destination port, the user route untouched', () => {
    const vs = sample();
    const ops = istioWeightPatch(vs, spec, 25);
    expect(ops.filter((op) => op.path === '/metadata/resourceVersion')).toEqual([{ op: 'test', path: '/metadata/resourceVersion', value: '7' }]);
    const patched = applyJsonPatch(vs, ops);
    expect(patched.spec.tcp?.[0]?.route).toEqual([dest('v1', 9000, 75), dest('v2', 9000, 25)]);
    expect(patched.spec.tcp?.[2]?.route).toEqual([dest('v1', 9001, 75), dest('v2', 9001, 25)]);
    expect(patched.spec.tcp?.[1]).toEqual(vs.spec.tcp?.[1]);
    expect(readIstioWeights(patched, spec)).toMatchObject({ stable: 75, canary: 25 });
  });

  it('a rollback restores every route byte for byte (the canary tcpshift added removed, weight fields as they were)', () => {
    const vs = sample();
    const shape = readLockstepShape(vs, spec);
    expect(shape.lockstep).toHaveLength(1);
    const rolledBack = apply(apply(apply(vs, 10), 50), 0, shape);
    expect(rolledBack.spec).toEqual(vs.spec);
  });

  it('reads routes whose weights differ as a route it cannot shift, naming each port', () => {
    const vs = apply(sample(), 50);
    const edited = applyJsonPatch(vs, [{ op: 'replace', path: '/spec/tcp/2/route/1/weight', value: 10 }]);
    expect(() => readIstioWeights(edited, spec)).toThrow(RoutingError);
    expect(() => readIstioWeights(edited, spec)).toThrow(/port 9000 \(spec\.tcp\[0\]\.route\) 50\/50, port 9001 \(spec\.tcp\[2\]\.route\) 50\/10$/);
    // the rollback still writes every route
    expect(apply(edited, 0).spec.tcp?.[2]?.route).toEqual([dest('v1', 9001, 100), dest('v2', 9001, 0)]);
  });

  it('refuses a port without its route, naming the port', () => {
    const vs = sample();
    vs.spec.tcp = vs.spec.tcp?.slice(0, 2);
    expect(() => istioWeightPatch(vs, spec, 10)).toThrow(/has no tcp route matching port 9001/);
  });
});

const parse = (changes: Record<string, unknown>) => parseTCPShiftObject(withChanges(exampleObject('shift.yaml'), changes));
const issuesOf = (changes: Record<string, unknown>): string[] => {
  const result = parse(changes);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('render with target.matchPorts', () => {
  it('writes a Gateway server and a tcp route per match port', () => {
    const [gateway, , virtualService] = renderIstioResources(istioShift(TWO_PORTS), 10) as [IstioGateway, unknown, VirtualService];
    expect(gateway.spec.servers?.map((server) => server.port.number)).toEqual([9000, 9001]);
    expect(virtualService.spec.tcp?.map((route) => [route.match?.[0]?.port, route.route.map((d) => d.weight)])).toEqual([[9000, [90, 10]], [9001, [90, 10]]]);
  });
});

describe('target.matchPorts in the spec', () => {
  it('refuses matchPort and matchPorts together, neither, a port twice, and strategy locality', () => {
    expect(issuesOf({ 'spec.target.matchPorts': [9000, 9001] }).join()).toMatch(/spec\.target\.matchPorts: give either matchPort/);
    expect(issuesOf({ 'spec.target.matchPort': undefined }).join()).toMatch(/spec\.target\.matchPort: is required/);
    expect(issuesOf({ ...TWO_PORTS, 'spec.target.matchPorts': [9000, 9000] }).join()).toMatch(/spec\.target\.matchPorts\[1\]: lists port 9000 twice/);
    expect(issuesOf({ ...TWO_PORTS, 'spec.strategy': 'locality' }).join()).toMatch(/spec\.target\.matchPorts: is not supported with strategy locality/);
    const gatewayApi = parseTCPShiftObject(withChanges(exampleObject('shift-gateway-api.yaml'), { 'spec.target.matchPorts': [9000, 9001], 'spec.probe.addresses': { 9001: '127.0.0.1:1' } }));
    expect(gatewayApi.ok ? [] : gatewayApi.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['spec.target.matchPorts', 'spec.probe.addresses']));
  });

  it('probes each port at probe.addresses, else at probe.address\'s host on the match port', () => {
    const result = parse({ ...TWO_PORTS, 'spec.target.matchPorts': [9000, 9001, 9002], 'spec.probe.addresses': { 9001: '127.0.0.1:40001' } });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.shift.spec.probe.ports).toEqual([
      { matchPort: 9000, address: { host: 'istio-ingressgateway.istio-system.svc', port: 31400 } },
      { matchPort: 9001, address: { host: '127.0.0.1', port: 40001 } },
      { matchPort: 9002, address: { host: 'istio-ingressgateway.istio-system.svc', port: 9002 } },
    ]);
    expect(issuesOf({ ...TWO_PORTS, 'spec.probe.addresses': { 9005: '127.0.0.1:1' } }).join()).toMatch(/spec\.probe\.addresses\["9005"\]: must be one of spec\.target\.matchPorts \(9000, 9001\)/);
    expect(issuesOf({ 'spec.probe.addresses': { 31400: '127.0.0.1:1' } }).join()).toMatch(/spec\.probe\.addresses\["31400"\]: must be a port of spec\.target\.matchPorts, which is not set/);
  });
});

describe('per-port judgement of a step', () => {
  it('a failing port is a breach of the step that names the port; a healthy one passes', () => {
    const healthy = newConnections({ ok: 200, canary: 50 });
    const failing = newConnections({ ok: 150, canary: 40, failed: { reset: 50 } });
    const observation: StepObservation = {
      longLived: longLived(),
      samplingDone: true,
      ports: [
        { matchPort: 9000, address: 'gw:9000', newConnections: healthy, longLived: longLived(), samplingDone: true },
        { matchPort: 9001, address: 'gw:9001', newConnections: failing, longLived: longLived(), samplingDone: true },
      ],
    };
    const breaches = assessStep(spec, observation, true, 0).breaches;
    expect(breaches.map((b) => b.message)).toEqual([expect.stringMatching(/^port 9001: new connections: 50 failed \(50 reset\)/)]);
  });
});
