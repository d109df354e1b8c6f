// The controller as a real process over the real sandbox (API emulator, mesh gateway, echo pod
// processes), full probes through the gateway, every actor a real process: TCPShifts applied,
// patched and deleted with kubectl, operated with the tcpshift CLI verbs.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ShiftAnnotations, type ProbeTotals } from '../../src/shift/index.js';
import { sample } from '../echo/support.js';
import { startControllerProcess, waitForObject, waitForValue, type ControllerProcess } from '../support/controller-e2e.js';
import type { StoredShift } from '../support/controller-harness.js';
import { kubectl, kubectlBinary } from '../support/kube-kubectl.js';
import { followRouteWeights } from '../support/route-history.js';
import { startCli, startE2e, type E2eEnv } from '../support/shift-e2e.js';

const REF = { apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'demo', namespace: 'echo' };

let env: E2eEnv;
let controller: ControllerProcess;

beforeAll(async () => {
  env = await startE2e();
  // the default Lease namespace, which the sandbox creates
  controller = await startControllerProcess(env.sandbox.info.kubeconfig, { identity: 'ctl-e2e', leaseNamespace: 'tcpshift-system' });
  await controller.leading();
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  await env?.sandbox.stop();
});

beforeEach(async () => {
  if (shift()) {
    env.sandbox.api.objects.delete(REF);
    await waitForValue(shift, (s) => s === undefined, 'the TCPShift gone');
  }
  await env.reset();
});

function shift(): StoredShift | undefined {
  try {
    return env.sandbox.api.objects.get(REF) as unknown as StoredShift;
  } catch {
    return undefined;
  }
}

const phase = (wanted: string) => waitForObject(shift, (s) => s.status?.phase === wanted, `phase ${wanted}`);
const baking = (index: number) => waitForValue(shift, (s) => s?.status?.engine?.state.phase === 'baking' && s.status.engine.state.stepIndex === index, `step ${index + 1} baking`);
const k = (args: string[], input?: string) => kubectl({ kubeconfigPath: env.sandbox.info.kubeconfig, dir: env.sandbox.files.dir }, args, input === undefined ? {} : { input });
const cli = (args: string[]) => startCli([...args, '-n', 'echo', '--kubeconfig', env.sandbox.info.kubeconfig]).done;

async function apply(name: string, changes: Record<string, unknown> = {}): Promise<void> {
  const r = await k(['apply', '-f', await env.spec(name, changes)]);
  expect(r.code, r.stderr).toBe(0);
}

describe.skipIf(!kubectlBinary)('the controller over the sandbox', () => {
  it('promotes a TCPShift applied with kubectl: get columns, Events, metrics, logs, status; then `tcpshift rollback` undoes it', async () => {
    const history = await followRouteWeights(env.sandbox.kube, 'echo', 'echo');
    await apply('promote');
    // while it probes, the status carries the live counters of its long-lived connections (as a CLI shift publishes them)
    const probing = await waitForObject(shift, (s) => ((s.status as { probes?: ProbeTotals } | undefined)?.probes?.step ?? 0) >= 1, 'status.probes of a step');
    expect((probing.status as { probes?: ProbeTotals }).probes).toMatchObject({ longLived: { wanted: 6, open: expect.any(Number) as number } });
    const done = await phase('Promoted');
    expect((done.status as { probes?: ProbeTotals }).probes).toBeUndefined();
    expect(await history.canaryWeights()).toEqual([0, 50, 100]);
    expect(done.status).toMatchObject({ currentStep: 2, weights: { stable: 0, canary: 100 } });
    expect(done.status?.steps?.map((s) => [s.index, s.verdict])).toEqual([[0, 'ok'], [1, 'ok']]);

    const table = await k(['get', 'tcpshifts', '-n', 'echo']);
    expect(table.stdout).toMatch(/^NAME\s+PHASE\s+STEP\s+CANARY WEIGHT\s+AGE\n/);
    expect(table.stdout).toMatch(/^demo\s+Promoted\s+2\s+100\s+\d+s\n/m);

    const events = await k(['get', 'events', '-n', 'echo', '--field-selector', 'involvedObject.name=demo', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    expect(events.stdout.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(['StepStarted', 'StepPassed', 'Promoted']));

    const metrics = await controller.metrics();
    expect(sample(metrics, 'tcpshift_shifts', { phase: 'Promoted' })).toBe(1);
    expect(sample(metrics, 'tcpshift_canary_weight', { namespace: 'echo', name: 'demo' })).toBe(100);
    expect(sample(metrics, 'tcpshift_current_step', { namespace: 'echo', name: 'demo' })).toBe(2);
    expect(sample(metrics, 'tcpshift_leader')).toBe(1);
    expect(sample(metrics, 'tcpshift_probe_outcomes_total', { probe: 'new', outcome: 'ok' })).toBeGreaterThan(0);

    const records = controller.shiftRecords('echo/demo');
    expect(records.map((r) => r.event)).toEqual(expect.arrayContaining(['StepStarted', 'StepPassed', 'Promoted']));
    expect(controller.proc.records.filter((r) => typeof r.event === 'string' && r.shift !== 'echo/demo')).toEqual([]);

    const status = await cli(['status', 'demo']);
    expect(status.stdout).toMatch(/TCPShift resource, run by the controller\n\s+phase:\s+Promoted, step 2\/2 \(canary 100%\).*\n\s+weights:\s+stable 0 \/ canary 100/);
    expect(status.stdout).toMatch(/^\s+Ready: True \(Promoted\)/m);
    expect(status.stdout).toMatch(/^\s+split:\s+step 2: canary 100% \[\d+(\.\d)?%, 100%\] of \d+ new connections \(0 failed\), target 100%, consistent$/m);
    expect(status.stdout).toMatch(/^\s+step 1:\s+50% ok \(split consistent, reconnect wave \d+\)$/m);

    const rollback = await cli(['rollback', 'demo']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toMatch(/^TCPShift echo\/demo RolledBack: stable 100 \/ canary 0 \(rollback requested by .+\)$/m);
    const rolledBack = await phase('RolledBack');
    expect(rolledBack.status?.rollback).toMatchObject({ cause: 'operator' });
    expect(env.weights()).toEqual([100, 0]);
    await waitForValue(shift, (o) => o?.metadata.annotations?.[ShiftAnnotations.request] === undefined, 'the request annotation removed');
    history.stop();
  });

  it('rolls back at once when the canary breaks (RolledBack, the reason in status, a Warning Event)', async () => {
    await env.sandbox.setFault({ version: 'v2' }, 'reset');
    await apply('breach', { 'spec.schedule.bake': '5s' });
    const s = await phase('RolledBack');
    expect(env.weights()).toEqual([100, 0]);
    expect(s.status?.rollback).toMatchObject({ cause: 'breach' });
    expect(s.status?.rollback?.reason).toMatch(/^(long-lived connection \d+ \(\w+\) ended: (closed|reset|refused)|new connections: \d+ (of \d+ )?failed)/);
    expect(s.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'Breach' });
    // Rolled back during the first step's bake, not after it.
    expect(s.status?.steps?.map((step) => [step.index, step.verdict])).toEqual([[0, 'breach']]);
    const events = await k(['get', 'events', '-n', 'echo', '--field-selector', 'reason=Breach', '-o', 'jsonpath={.items[*].type}']);
    expect(events.stdout).toContain('Warning');
    expect(sample(await controller.metrics(), 'tcpshift_rollbacks_total', { cause: 'breach' })).toBeGreaterThanOrEqual(1);
  });

  it('kubectl patch spec.paused pauses with the weights left; `tcpshift resume` continues without writing the step again', async () => {
    const history = await followRouteWeights(env.sandbox.kube, 'echo', 'echo');
    await apply('paused', { 'spec.schedule.bake': '3s' });
    await baking(0);
    const patched = await k(['patch', 'tcpshift', 'demo', '-n', 'echo', '--type=merge', '-p', '{"spec":{"paused":true}}']);
    expect(patched.code, patched.stderr).toBe(0);
    await phase('Paused');
    expect(env.weights()).toEqual([50, 50]);
    const resumed = await cli(['resume', 'demo']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/spec\.paused set to false/);
    await phase('Promoted');
    expect(await history.canaryWeights()).toEqual([0, 50, 100]);
    history.stop();
  });

  it('`tcpshift abort` mid-shift: the controller rolls back and removes the request', async () => {
    await apply('abort', { 'spec.schedule.bake': '10s' });
    await baking(0);
    const abort = await cli(['abort', 'demo']);
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.stdout).toMatch(/^TCPShift echo\/demo Aborted: stable 100 \/ canary 0 \(aborted by .+\)$/m);
    const s = await phase('Aborted');
    expect(env.weights()).toEqual([100, 0]);
    expect(s.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'Aborted', message: expect.stringMatching(/^aborted by /) });
    await waitForValue(shift, (o) => o?.metadata.annotations?.[ShiftAnnotations.request] === undefined, 'the request annotation removed');
  });

  it('kubectl delete of a progressing TCPShift rolls the route back before the object goes', async () => {
    await apply('deleted', { 'spec.schedule.bake': '10s' });
    await baking(0);
    expect(env.weights()).toEqual([50, 50]);
    const deleted = await k(['delete', 'tcpshift', 'demo', '-n', 'echo']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(shift()).toBeUndefined();
    expect(env.weights()).toEqual([100, 0]);
  });

  it('an invalid spec: the CRD schema rejects what it can express at admission; the rest is a Degraded condition, nothing shifted', async () => {
    const rejected = await k(['apply', '-f', await env.spec('no-samples', { 'spec.probe.newConnections.perStep': 0 })]);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toMatch(/spec\.probe\.newConnections\.perStep.*should be greater than or equal to 1/);
    expect(shift()).toBeUndefined();

    // schedule.steps entries are a weight or a gate: untyped in the CRD (a union), so even a weight over 100 passes admission
    await apply('over', { 'spec.schedule.steps': [50, 150] });
    const s = await phase('Failed');
    expect(s.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec', message: expect.stringMatching(/spec\.schedule\.steps\[1\].*100/) });
    const events = await k(['get', 'events', '-n', 'echo', '--field-selector', 'reason=InvalidSpec', '-o', 'jsonpath={.items[*].message}']);
    expect(events.stdout).toMatch(/invalid spec: spec\.schedule\.steps\[1\]/);
    expect(env.weights()).toEqual([100, 0]);
    expect(env.annotations()[ShiftAnnotations.holder]).toBeUndefined();
  });
});
