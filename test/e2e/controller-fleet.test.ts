// Many shifts at once, and every API request the controller makes checked against
// manifests/controller/rbac.yaml. The sandbox has one gateway routed by one VirtualService, so
// here the controller (a real process, --probe-mode light: one connection per step to a real
// echo server) runs against the API emulator holding 50 VirtualServices, one per TCPShift.
// The test writes its objects in-process (not over HTTP), so every request the emulator logs is
// the controller's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShiftAnnotations } from '../../src/shift/index.js';
import type { TestApiServer } from '../support/apiserver-fixtures.js';
import { waitForObject, waitForValue } from '../support/controller-e2e.js';
import { startLightProbeEnv, type LightProbeEnv } from '../support/controller-light-env.js';
import type { StoredShift } from '../support/controller-harness.js';
import { controllerPermissions, permits } from '../support/deploy-rbac.js';

const NS = 'fleet';
const FLEET = 50;
const STEPS = [25, 50, 100];

let api: TestApiServer;

const name = (prefix: string, i: number): string => `${prefix}-${String(i).padStart(2, '0')}`;
const ref = (shiftName: string) => ({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: shiftName, namespace: NS });
const vsRef = (vsName: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: vsName, namespace: NS });

/** `verb group resource[/subresource][ (tcpshift-system)]`, for a request or a grant. */
function requestKey(r: { verb: string; group: string; resource: string; subresource?: string | undefined; namespace?: string | undefined }): string {
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return `${r.verb} ${r.group || 'core'} ${resource}${r.namespace === 'tcpshift-system' ? ' (tcpshift-system)' : ''}`;
}

function shift(shiftName: string): StoredShift | undefined {
  try {
    return api.server.objects.get(ref(shiftName)) as unknown as StoredShift;
  } catch {
    return undefined;
  }
}

const canary = (vsName: string): number => {
  const vs = api.server.objects.get(vsRef(vsName)) as unknown as { spec: { tcp: Array<{ route: Array<{ weight: number }> }> } };
  return vs.spec.tcp[0]!.route[1]!.weight;
};

/** A route and a TCPShift of it (light probes against the echo server, short bakes). */
function createShift(shiftName: string, changes: Record<string, unknown> = {}): void {
  env?.createShift(shiftName, { 'spec.schedule.steps': STEPS, 'spec.schedule.bake': '1s', ...changes });
}

const phaseOf = (shiftName: string, wanted: string, timeoutMs = 30_000) =>
  waitForObject(() => shift(shiftName), (s) => s.status?.phase === wanted, `${shiftName} ${wanted}`, timeoutMs);
const bakingOf = (shiftName: string, index: number) =>
  waitForValue(() => shift(shiftName), (s) => s?.status?.engine?.state.phase === 'baking' && s.status.engine.state.stepIndex === index, `${shiftName} step ${index + 1} baking`);
const patch = (shiftName: string, body: Record<string, unknown>) => api.server.objects.patch(ref(shiftName), 'merge', body);

let env: LightProbeEnv | undefined;

beforeAll(async () => {
  env = await startLightProbeEnv({ namespace: NS, identity: 'fleet-ctl' });
  ({ api } = env);
}, 60_000);

afterAll(async () => {
  await env?.close();
});

describe('a fleet of shifts, light probes', () => {
  it(`${FLEET} shifts at once all promote, each route written exactly once per step`, async () => {
    const names = Array.from({ length: FLEET }, (_, i) => name('shift', i));
    for (const n of names) createShift(n);
    for (const n of names) await phaseOf(n, 'Promoted', 60_000);
    const patches = new Map<string, number>();
    for (const r of api.server.requestLog()) {
      if (r.verb === 'patch' && r.resource === 'virtualservices') patches.set(r.name ?? '', (patches.get(r.name ?? '') ?? 0) + 1);
    }
    expect(names.map((n) => patches.get(n) ?? 0)).toEqual(names.map(() => STEPS.length));
    for (const n of names) {
      expect(canary(n)).toBe(100);
      expect(shift(n)?.status?.steps?.map((s) => s.index)).toEqual([0, 1, 2]);
    }
  }, 90_000);

  it('pause/resume, a breach, an abort, a rollback after promotion, a spec change, a deletion and a bad spec, side by side', async () => {
    createShift('paused', { 'spec.schedule.bake': '2s' });
    createShift('breach', { 'spec.probe.address': '127.0.0.1:1' });
    createShift('aborted', { 'spec.schedule.bake': '20s' });
    createShift('reverted');
    createShift('changed', { 'spec.schedule.bake': '2s' });
    createShift('deleted', { 'spec.schedule.bake': '20s' });
    createShift('invalid', { 'spec.schedule.steps': [50, 20] });

    await bakingOf('paused', 0);
    patch('paused', { spec: { paused: true } });
    await phaseOf('paused', 'Paused');
    patch('paused', { spec: { paused: false } });

    await bakingOf('aborted', 0);
    patch('aborted', { metadata: { annotations: { [ShiftAnnotations.request]: 'abort', [ShiftAnnotations.requestedBy]: 'fleet test' } } });

    await bakingOf('changed', 0);
    patch('changed', { spec: { schedule: { steps: [40, 100] } } });

    await bakingOf('deleted', 0);
    api.server.objects.delete(ref('deleted'));

    await phaseOf('reverted', 'Promoted');
    patch('reverted', { metadata: { annotations: { [ShiftAnnotations.request]: 'rollback' } } });

    expect((await phaseOf('breach', 'RolledBack')).status?.rollback).toMatchObject({ cause: 'breach', reason: expect.stringMatching(/refused/) });
    expect((await phaseOf('aborted', 'Aborted')).status?.rollback).toMatchObject({ cause: 'operator', reason: 'aborted by fleet test' });
    expect((await phaseOf('reverted', 'RolledBack')).status?.rollback).toMatchObject({ cause: 'operator' });
    expect((await phaseOf('changed', 'Promoted')).status?.steps?.map((s) => s.targetWeight)).toEqual([40, 100]);
    expect((await phaseOf('invalid', 'Failed')).status?.conditions?.find((c) => c.type === 'Degraded')?.reason).toBe('InvalidSpec');
    await phaseOf('paused', 'Promoted');
    await waitForValue(() => shift('deleted'), (s) => s === undefined, 'deleted gone');
    expect([canary('breach'), canary('aborted'), canary('reverted'), canary('deleted'), canary('invalid')]).toEqual([0, 0, 0, 0, 0]);
  }, 90_000);

  it('made only requests manifests/controller/rbac.yaml allows, and used every grant but the Gateway API ones', () => {
    const permissions = controllerPermissions();
    const log = api.server.requestLog();
    const made = new Set(log.map(requestKey));
    // Istio routes only here: of the Gateway API grants, test/e2e/preflight-table.test.ts uses get
    // on tcproutes, test/shift/parent-gateway.test.ts get on Gateways; patch on tcproutes is
    // the GatewayApiRouter's write (test/router), not yet checked against the RBAC;
    // `patch events` is the EventRecorder's aggregation of a repeated Event (test/kube/events.test.ts).
    // `patch destinationrules` is strategy locality's write, checked against the RBAC in test/controller/locality.test.ts.
    // `get tcpshifts` is the Reconciler's re-read after a 409 on its own write, which happens here
    // only when a test edit races a status write: a matter of timing, not asserted here; forced and
    // checked against the RBAC in test/controller/reconciler.test.ts ('a 409 on the status write').
    const elsewhere = (key: string): boolean =>
      key.includes('gateway.networking.k8s.io') || ['patch core events', 'patch networking.istio.io destinationrules', 'get tcpshift.io tcpshifts'].includes(key);
    const granted = [...new Set(permissions.map(requestKey))].filter((key) => !elsewhere(key));
    expect(granted.filter((g) => !made.has(g)), 'granted but never used').toEqual([]);
    const denied = log.filter((r) => !permits(permissions, r));
    expect(denied).toEqual([]);
  });
});
