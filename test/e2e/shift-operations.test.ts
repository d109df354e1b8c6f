// Operating a running shift over the sandbox, every actor a real process: a concurrent editor
// (kubectl), an unreliable API, SIGKILL then resume, abort from another terminal, Ctrl-C.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ShiftReportDocument as ShiftReport } from '../../src/report/index.js';
import { kubectl, kubectlBinary } from '../support/kube-kubectl.js';
import { baking, ShiftAnnotations, startCli, startE2e, waitForState, type E2eEnv } from '../support/shift-e2e.js';

let env: E2eEnv;
beforeAll(async () => {
  env = await startE2e();
}, 60_000);
afterAll(async () => env?.sandbox.stop());
beforeEach(async () => {
  env.sandbox.api.faults.reset();
  await env.reset();
});

const k = (args: string[]) => kubectl({ kubeconfigPath: env.sandbox.info.kubeconfig, dir: env.sandbox.files.dir }, ['-n', 'echo', ...args]);

describe('operating a running shift', () => {
  it.skipIf(!kubectlBinary)('a concurrent editor adding an http route and a label mid-shift loses nothing', async () => {
    const file = await env.spec('editor', { 'spec.schedule.bake': '2s' });
    const shift = startCli(['shift', '-f', file, ...env.flags('editor')]);
    await waitForState(env, baking(0, 50), 'step 1 baking');
    const http = [{ match: [{ port: 8080 }], route: [{ destination: { host: 'web.echo.svc.cluster.local' } }] }];
    const edit = await k(['patch', 'virtualservice', 'echo', '--type=merge', '-p', JSON.stringify({ metadata: { labels: { team: 'blue' } }, spec: { http } })]);
    expect(edit.code, edit.stderr).toBe(0);
    const run = await shift.done;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const vs = JSON.parse((await k(['get', 'virtualservice', 'echo', '-o', 'json'])).stdout) as { metadata: { labels: Record<string, string> }; spec: { http: unknown } };
    expect(vs.spec.http).toEqual(http);
    expect(vs.metadata.labels).toMatchObject({ team: 'blue', 'tcpshift.io/shift': 'demo' });
    expect(env.weights()).toEqual([0, 100]);
  });

  it('10 % of the API requests failing (500): the shift still completes', async () => {
    // The shift's own requests (the gateway only watches): 10 % of them fail, and surely the first two writes.
    const match = { verbs: ['get', 'patch', 'list'], resources: ['virtualservices'] };
    env.sandbox.api.faults.failNext(2, 500, { ...match, verbs: ['patch'] });
    env.sandbox.api.faults.setErrorRate(0.1, 500, match);
    // A short lock lifetime renews it often: many more writes to fail.
    const run = await startCli(['shift', '-f', await env.spec('flaky', { 'spec.schedule.steps': [25, 50, 100] }), ...env.flags('flaky'), '--lock-ttl', '1s']).done;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(env.sandbox.api.faults.injected).toBeGreaterThanOrEqual(2);
    env.sandbox.api.faults.reset();
    expect(env.weights()).toEqual([0, 100]);
  });

  it('SIGKILL mid-shift, then resume from another process: completes without repeating a step', async () => {
    const file = await env.spec('killed', { 'spec.schedule.steps': [25, 50, 100] });
    const first = startCli(['shift', '-f', file, ...env.flags('killed')]);
    await waitForState(env, baking(1, 50), 'step 2 baking');
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    expect(env.annotations()[ShiftAnnotations.holder]).toBeDefined();
    env.sandbox.api.resetRequestCounts();
    const status = await startCli(['status', 'demo', '-n', 'echo', '--kubeconfig', env.sandbox.info.kubeconfig]).done;
    expect(status.stdout).toMatch(/dead: resume or abort it/);
    const resumed = await startCli(['resume', 'demo', '-n', 'echo', ...env.flags('resumed'), '-o', 'json']).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = JSON.parse(resumed.stdout) as ShiftReport;
    expect(r.outcome).toBe('promoted');
    expect(r.steps.map((s) => s.number)).toEqual([1, 2, 3]);
    expect(r.steps[1]!.drainWindow).toBeNull(); // step 2's weight was already there: not written again
    expect(resumed.stderr).toContain('step 2/3: canary 50% (stable 50%) (already in place)');
    // take over, step 3's write, the final state (step 2 is not written again)
    expect(env.sandbox.api.requestCounts()['patch virtualservices']).toBe(3);
    expect(env.weights()).toEqual([0, 100]);
  }, 60_000); // four CLI processes, each with its pre-flight, and three bakes: room for a busy machine

  it('abort from another process: the shifting process rolls back and exits 4', async () => {
    const file = await env.spec('aborted', { 'spec.schedule.bake': '10s' });
    const shift = startCli(['shift', '-f', file, ...env.flags('aborted')]);
    await waitForState(env, baking(0, 50), 'step 1 baking');
    const abort = await startCli(['abort', 'demo', '-n', 'echo', '--kubeconfig', env.sandbox.info.kubeconfig]).done;
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.stdout).toMatch(/shift echo\/demo Aborted: stable 100 \/ canary 0 \(aborted by /);
    const run = await shift.done;
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/^Aborted: stable 100% \/ canary 0%/m);
    expect(env.weights()).toEqual([100, 0]);
    expect(env.state()).toMatchObject({ phase: 'aborted' });
    expect(env.annotations()[ShiftAnnotations.request]).toBeUndefined();
  });

  it('Ctrl-C rolls back and exits 4; with --on-interrupt pause it leaves weights and state for resume', async () => {
    const file = await env.spec('interrupted', { 'spec.schedule.bake': '10s' });
    const rolled = startCli(['shift', '-f', file, ...env.flags('interrupted')]);
    await waitForState(env, baking(0, 50), 'step 1 baking');
    rolled.child.kill('SIGINT');
    expect((await rolled.done).code).toBe(4);
    expect(env.weights()).toEqual([100, 0]);
    expect(env.state()).toMatchObject({ phase: 'aborted', reason: 'aborted by interrupt (SIGINT)' });

    await env.reset();
    const paused = startCli(['shift', '-f', await env.spec('paused'), ...env.flags('paused'), '--on-interrupt', 'pause']);
    await waitForState(env, baking(0, 50), 'step 1 baking');
    paused.child.kill('SIGINT');
    expect((await paused.done).code).toBe(4);
    expect(env.weights()).toEqual([50, 50]);
    expect(env.state()).toMatchObject({ phase: 'paused', stepIndex: 0 });
    expect(env.annotations()[ShiftAnnotations.holder]).toBeUndefined();
    const resumed = await startCli(['resume', 'demo', '-n', 'echo', ...env.flags('unpaused')]).done;
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(env.weights()).toEqual([0, 100]);
  });
});
