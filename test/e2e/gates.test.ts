// Schedule gates end to end (issue 18) over the real sandbox, every actor a real process: a CLI
// shift waits at {pause: {}} until `tcpshift promote` from a second process, and rolls back when
// a fault starts during the wait; a TCPShift with a gate, operated with kubectl only.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ShiftReportDocument } from '../../src/report/index.js';
import { startControllerProcess, waitForObject, type ControllerProcess } from '../support/controller-e2e.js';
import type { StoredShift } from '../support/controller-harness.js';
import { kubectl, kubectlBinary } from '../support/kube-kubectl.js';
import { startCli, startE2e, waitForState, type E2eEnv } from '../support/shift-e2e.js';

const REF = { apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'demo', namespace: 'echo' };
const GATED = { 'spec.schedule.steps': [50, { pause: {} }, 100], 'spec.schedule.bake': '1s', 'spec.probe.newConnections.perStep': 300 };

let env: E2eEnv;
beforeAll(async () => {
  env = await startE2e();
}, 60_000);
afterAll(async () => env?.sandbox.stop());
beforeEach(async () => env.reset());

const cli = (args: string[]) => startCli([...args, '-n', 'echo', '--kubeconfig', env.sandbox.info.kubeconfig]).done;
const waiting = (state: { phase: string } | undefined): boolean => state?.phase === 'waiting';

describe('a CLI shift at a gate', () => {
  it('waits at {pause: {}} with the step in place until `tcpshift promote` from another process, then promotes', async () => {
    const shift = startCli(['shift', '-f', await env.spec('gate', GATED), ...env.flags('gate')]);
    await waitForState(env, waiting, 'the shift waiting at its gate');
    expect(env.weights()).toEqual([50, 50]);
    const promote = await cli(['promote', 'demo']);
    expect(promote.code, promote.stdout + promote.stderr + shift.output()).toBe(0);
    expect(promote.stdout + promote.stderr).toContain('promote (open the gate after step 1) requested');
    const run = await shift.done;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/waiting at the gate after step 1\/2 for a promote request \(promote: tcpshift promote demo -n echo\)/);
    expect(run.stdout).toMatch(/the gate after step 1\/2 opened: promoted by /);
    expect(env.weights()).toEqual([0, 100]);
    const report = JSON.parse(await readFile(path.join(env.sandbox.files.dir, 'gate', 'report.json'), 'utf8')) as ShiftReportDocument;
    expect(report.steps.map((s) => [s.targetWeight, s.verdict])).toEqual([[50, 'ok'], [100, 'ok']]);
    expect(report.gates).toEqual([expect.objectContaining({ kind: 'pause', afterStep: 1, openedBy: expect.stringMatching(/^promoted by /) as string })]);
  }, 60_000); // two CLI processes start one after the other: slow on a loaded machine

  it('a fault switched on during the wait rolls back at once (exit 3), without a promote', async () => {
    const shift = startCli(['shift', '-f', await env.spec('gate-fault', GATED), ...env.flags('gate-fault'), '-o', 'json']);
    await waitForState(env, waiting, 'the shift waiting at its gate');
    const faultAt = Date.now();
    await env.sandbox.setFault({ version: 'v2' }, 'reset');
    const run = await shift.done;
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(run.stdout) as ShiftReportDocument;
    expect(report.rollback?.cause).toBe('breach');
    expect(Date.parse(report.rollback!.detectedAt)).toBeGreaterThanOrEqual(faultAt - 50);
    // Detected within the long-lived timeout plus one new connection's failure, not at a bake's end.
    expect(report.steps.at(-1)).toMatchObject({ targetWeight: 50, verdict: 'breach', notes: expect.arrayContaining(['while waiting at the gate after step 1/2']) });
    expect(env.weights()).toEqual([100, 0]);
  });
});

describe.skipIf(!kubectlBinary)('a TCPShift at a gate, with kubectl only', () => {
  let controller: ControllerProcess;
  beforeAll(async () => {
    controller = await startControllerProcess(env.sandbox.info.kubeconfig, { identity: 'ctl-gates', leaseNamespace: 'tcpshift-system' });
    await controller.leading();
  }, 60_000);
  afterAll(async () => controller?.stop());

  const k = (args: string[]) => kubectl({ kubeconfigPath: env.sandbox.info.kubeconfig, dir: env.sandbox.files.dir }, args);
  const stored = (): StoredShift | undefined => {
    try {
      return env.sandbox.api.objects.get(REF) as unknown as StoredShift;
    } catch {
      return undefined;
    }
  };

  it('waits at the gate (status says so), a `kubectl annotate` promote request opens it, the shift is promoted', async () => {
    const applied = await k(['apply', '-f', await env.spec('ctl-gate', GATED)]);
    expect(applied.code, applied.stderr).toBe(0);
    await waitForObject(stored, (s) => s.status?.engine?.state.phase === 'waiting', 'the TCPShift waiting at its gate');
    const condition = await k(['get', 'tcpshift', 'demo', '-n', 'echo', '-o', 'jsonpath={.status.phase} {.status.currentStep} {.status.conditions[?(@.type=="Progressing")].reason}: {.status.conditions[?(@.type=="Progressing")].message}']);
    expect(condition.stdout).toMatch(/^Progressing 1 Waiting: waiting at the gate after step 1\/2 for a promote request/);
    expect(env.weights()).toEqual([50, 50]);
    const annotate = await k(['annotate', 'tcpshift', 'demo', '-n', 'echo', 'tcpshift.io/request=promote:1']);
    expect(annotate.code, annotate.stderr).toBe(0);
    await waitForObject(stored, (s) => s.status?.phase === 'Promoted', 'the TCPShift promoted');
    const phase = await k(['get', 'tcpshift', 'demo', '-n', 'echo', '-o', 'jsonpath={.status.phase} {.status.weights.canary}']);
    expect(phase.stdout).toBe('Promoted 100');
    const events = await k(['get', 'events', '-n', 'echo', '--field-selector', 'involvedObject.name=demo', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    expect(events.stdout.split('\n')).toEqual(expect.arrayContaining(['GateWaiting', 'GateOpened', 'Promoted']));
    env.sandbox.api.objects.delete(REF);
  });
});
