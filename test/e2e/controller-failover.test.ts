// High availability with real processes: two controllers over the sandbox, the leader SIGKILLed
// in the middle of a step; the standby takes the Lease over and finishes the shift from the
// status without writing any step's weight twice (the route's write history says so).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControllerProcess, waitForObject, waitForValue, type ControllerProcess } from '../support/controller-e2e.js';
import type { StoredShift } from '../support/controller-harness.js';
import { kubectl, kubectlBinary } from '../support/kube-kubectl.js';
import { followRouteWeights } from '../support/route-history.js';
import { startE2e, type E2eEnv } from '../support/shift-e2e.js';

const REF = { apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'demo', namespace: 'echo' };
const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'tcpshift-controller', namespace: 'default' };

let env: E2eEnv;
const controllers: ControllerProcess[] = [];

beforeAll(async () => {
  env = await startE2e();
}, 60_000);

afterAll(async () => {
  await Promise.all(controllers.map((c) => c.stop()));
  await env?.sandbox.stop();
});

const shift = (): StoredShift | undefined => {
  try {
    return env.sandbox.api.objects.get(REF) as unknown as StoredShift;
  } catch {
    return undefined;
  }
};

const holder = (): string | undefined => (env.sandbox.api.objects.get(LEASE).spec as { holderIdentity?: string }).holderIdentity;

describe.skipIf(!kubectlBinary)('leader failover', () => {
  it('the leader SIGKILLed mid-step: the standby takes over within the lease duration and finishes without repeating a step', async () => {
    const a = await startControllerProcess(env.sandbox.info.kubeconfig, { identity: 'ctl-a' });
    controllers.push(a);
    await a.leading();
    const b = await startControllerProcess(env.sandbox.info.kubeconfig, { identity: 'ctl-b' });
    controllers.push(b);
    await b.proc.waitForRecord((r) => r.msg === 'TCPShift cache synced');
    expect(holder()).toBe('ctl-a');

    const history = await followRouteWeights(env.sandbox.kube, 'echo', 'echo');
    env.sandbox.api.resetRequestCounts();
    const file = await env.spec('failover', { 'spec.schedule.steps': [25, 50, 100], 'spec.schedule.bake': '3s' });
    const applied = await kubectl({ kubeconfigPath: env.sandbox.info.kubeconfig, dir: env.sandbox.files.dir }, ['apply', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    await waitForValue(shift, (s) => s?.status?.engine?.state.phase === 'baking' && s.status.engine.state.stepIndex === 1, 'step 2 baking');

    const killedAt = Date.now();
    expect((await a.kill()).signal).toBe('SIGKILL');
    await b.leading(15_000);
    const takeoverMs = Date.now() - killedAt;
    expect(holder()).toBe('ctl-b');
    // client-go's rule: the lease (2 s) must expire since the standby last saw it renewed, plus a jittered retry (0.5 s x 2.2).
    expect(takeoverMs).toBeLessThan(10_000);

    const done = await waitForObject(shift, (s) => s.status?.phase === 'Promoted', 'Promoted after the failover');
    expect(await history.canaryWeights()).toEqual([0, 25, 50, 100]);
    const routeWrites = env.sandbox.api.requestLog().filter((r) => r.verb === 'patch' && r.resource === 'virtualservices');
    expect(routeWrites).toHaveLength(3);
    expect(done.status?.steps?.map((s) => [s.index, s.verdict])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'ok']]);

    const before = b.proc.records.findIndex((r) => r.msg === 'leading: reconciling TCPShifts');
    expect(b.proc.records.slice(0, before).filter((r) => r.event !== undefined)).toEqual([]);
    const events = b.shiftRecords('echo/demo').map((r) => [r.event, r.msg]);
    expect(events[0]).toEqual(['TakenOver', expect.stringMatching(/^controller ctl-b took over the shift \(baking at step 2\/3 \(canary 50%\)\)/)]);
    expect(events[1]).toEqual(['StepStarted', 'step 2/3: canary 50% (stable 50%) (already in place)']);
    history.stop();
  }, 60_000);

  it('SIGTERM mid-step: the leader checkpoints, releases the Lease and exits 0; the standby takes over at once and finishes', async () => {
    const [, b] = controllers as [ControllerProcess, ControllerProcess];
    env.sandbox.api.objects.delete(REF);
    await env.reset();
    const c = await startControllerProcess(env.sandbox.info.kubeconfig, { identity: 'ctl-c' });
    controllers.push(c);
    await c.proc.waitForRecord((r) => r.msg === 'TCPShift cache synced');
    const history = await followRouteWeights(env.sandbox.kube, 'echo', 'echo');
    const file = await env.spec('handover', { 'spec.schedule.steps': [30, 60, 100], 'spec.schedule.bake': '3s' });
    const applied = await kubectl({ kubeconfigPath: env.sandbox.info.kubeconfig, dir: env.sandbox.files.dir }, ['apply', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    await waitForValue(shift, (s) => s?.status?.engine?.state.phase === 'baking' && s.status.engine.state.stepIndex === 1, 'step 2 baking');

    const signalled = Date.now();
    expect(await b.stop()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(30_000);
    expect(b.proc.records.map((r) => r.msg)).toEqual(expect.arrayContaining(['released lease', 'stopped']));
    await c.leading(5_000);
    expect(holder()).toBe('ctl-c');

    await waitForObject(shift, (s) => s.status?.phase === 'Promoted', 'Promoted after the handover');
    expect(await history.canaryWeights()).toEqual([0, 30, 60, 100]);
    expect(c.shiftRecords('echo/demo')[0]?.msg).toMatch(/^controller ctl-c took over the shift \(baking at step 2\/3 \(canary 60%\)\)/);
    history.stop();
  }, 60_000);
});
