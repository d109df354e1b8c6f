// promote, pause, resume, rollback and retry from a second terminal on a CLI shift over the
// sandbox. The first shift is a real process (its exit code on a pause is what a pipeline sees);
// the verbs, and the runs `resume` and `retry` make, go through the same CLI entry (runCli) in
// this test's process, the "other terminal", which saves a process start (seconds on a busy
// machine) each. One story over one route: each part starts where the previous one left the
// shift. Bakes are long (20 s) so that every move before a bake's end can only come from a
// request; no bake is waited out.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShiftView } from '../../src/cli/shift-view.js';
import type { ShiftReportDocument as ShiftReport } from '../../src/report/index.js';
import { runTcpshift } from '../support/cli.js';
import { baking, ShiftAnnotations, startCli, startE2e, waitForState, type E2eEnv } from '../support/shift-e2e.js';

const BAKE_MS = 20_000;

let env: E2eEnv;
beforeAll(async () => {
  env = await startE2e();
  await env.reset();
}, 60_000);
afterAll(async () => env?.sandbox.stop());

/** A verb from "another terminal": the CLI entry in this process, against the sandbox. */
const verb = (...args: string[]) => runTcpshift([...args, 'demo', '-n', 'echo', '--kubeconfig', env.sandbox.info.kubeconfig]);

async function report(dir: string): Promise<ShiftReport> {
  return JSON.parse(await readFile(path.join(env.sandbox.files.dir, dir, 'report.json'), 'utf8')) as ShiftReport;
}

describe('requests to a running CLI shift', () => {
  it('promote ends the bake of step 1 long before it would end; pause makes the shift exit 4 with its weights left', async () => {
    // few probes: no step here is judged on its split, each is cut short by a request
    const file = await env.spec('requests', { 'spec.schedule.steps': [25, 50, 100], 'spec.schedule.bake': `${BAKE_MS}ms`, 'spec.probe.longLived.connections': 2, 'spec.probe.newConnections.perStep': 200 });
    const shift = startCli(['shift', '-f', file, ...env.flags('shift')]);
    await waitForState(env, baking(0, 25), 'step 1 baking');

    const promote = await verb('promote', '-o', 'json');
    expect(promote.code, promote.stderr).toBe(0);
    expect(promote.stderr).toContain('shift echo/demo: promote (end the bake of step 1 now) requested');
    const promoted = JSON.parse(promote.stdout) as ShiftView;
    expect(promoted).toMatchObject({ managedBy: 'cli', phase: 'Progressing', step: { number: 2, canaryWeight: 50 } });
    await waitForState(env, baking(1, 50), 'step 2 baking');

    const pause = await verb('pause');
    expect(pause.code, pause.stderr).toBe(0);
    expect(pause.stdout).toMatch(/^shift echo\/demo: Paused, step 2\/3 \(canary 50%\).*continue with: tcpshift resume demo -n echo.*; weights stable 50 \/ canary 50$/m);
    const run = await shift.done;
    expect(run.code, run.stdout + run.stderr).toBe(4);
    expect(run.stdout).toMatch(/^Paused: stable 50% \/ canary 50%/m);
    expect(env.weights()).toEqual([50, 50]);
    expect(env.state()).toMatchObject({ phase: 'paused', stepIndex: 1 });
    expect(env.annotations()[ShiftAnnotations.request]).toBeUndefined();

    const r = await report('shift');
    expect(r.phase).toBe('Paused');
    const [first, second] = r.steps;
    expect(first).toMatchObject({ number: 1, verdict: 'ok', notes: expect.arrayContaining([expect.stringMatching(/^bake ended early: promote requested by /)]) });
    // the bake would have ended 20 s after step 1 began: the request ended it within half of that
    expect(Date.parse(first!.endedAt) - Date.parse(first!.startedAt)).toBeLessThan(BAKE_MS / 2);
    expect(second).toMatchObject({ number: 2, verdict: 'interrupted', reasons: [expect.stringMatching(/^paused by /)] });
  }, 60_000);

  it('resume continues from step 2 with its weight in place; promote --full goes to 100 and the shift exits 0', async () => {
    const resumed = runTcpshift(['resume', 'demo', '-n', 'echo', ...env.flags('resumed')]);
    await waitForState(env, (state, weights) => baking(1, 50)(state, weights) && env.annotations()[ShiftAnnotations.holder] !== undefined, 'step 2 baking again');
    const full = await verb('promote', '--full', '-o', 'json');
    expect(full.code, full.stderr).toBe(0);
    // acted on: promoting (canary 100 being written) or already Promoted
    const fullView = JSON.parse(full.stdout) as ShiftView;
    expect(fullView).toMatchObject({ managedBy: 'cli', name: 'demo' });
    expect(fullView.phase === 'Promoted' || fullView.activity === 'promoting', JSON.stringify(fullView)).toBe(true);
    const run = await resumed;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('step 2/3: canary 50% (stable 50%) (already in place)');
    expect(run.stdout).toMatch(/^Promoted: stable 0% \/ canary 100%/m);
    expect(env.weights()).toEqual([0, 100]);
    const r = await report('resumed');
    expect(r.outcome).toBe('promoted');
    // the whole history: step 1, step 2 cut by the pause, step 2 again cut by promote --full (step 3 skipped)
    expect(r.steps.map((s) => [s.number, s.targetWeight, s.verdict])).toEqual([[1, 25, 'ok'], [2, 50, 'interrupted'], [2, 50, 'interrupted']]);
    expect(r.steps[2]!.reasons).toEqual([expect.stringMatching(/^promote --full requested by /)]);
  }, 60_000);

  it('retry after a rollback starts a new run from stable at step 1', async () => {
    const refused = await verb('retry');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/was promoted: nothing to retry; tcpshift rollback demo -n echo moves the traffic back/);
    const rollback = await verb('rollback');
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toMatch(/^shift echo\/demo RolledBack: stable 100 \/ canary 0 written \(rollback requested by .+\)$/m);
    expect(env.weights()).toEqual([100, 0]);
    const status = await verb('status', '-o', 'json');
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: 'RolledBack', weights: { stable: 100, canary: 0 } });

    const before = env.state()!.startedAt;
    const retry = runTcpshift(['retry', 'demo', '-n', 'echo', ...env.flags('retried')]);
    await waitForState(env, (state, weights) => baking(0, 25)(state, weights) && state!.startedAt !== before, 'the new run at step 1');
    expect(env.state()).toMatchObject({ original: { stable: 100, canary: 0 }, steps: [] });
    const abort = await verb('abort');
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.stdout).toMatch(/^shift echo\/demo Aborted: stable 100 \/ canary 0 \(aborted by /m);
    const run = await retry;
    expect(run.code, run.stdout + run.stderr).toBe(4);
    expect(env.weights()).toEqual([100, 0]);
    const r = await report('retried');
    expect(r).toMatchObject({ phase: 'Aborted', originalWeights: { stable: 100, canary: 0 } });
    expect(r.steps.map((s) => [s.number, s.targetWeight, s.verdict])).toEqual([[1, 25, 'interrupted']]);
  }, 60_000);
});
