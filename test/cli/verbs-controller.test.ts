// promote, pause, resume and retry of a TCPShift: the verbs (in-process CLI) write a request
// annotation, never the spec; the Reconciler (in-process, scripted probes, manual clock) acts on it;
// the verb waits for that and prints where the shift is now. Refusals are exit 2 with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialState, ShiftAnnotations } from '../../src/shift/index.js';
import { runTcpshift, type CliRun } from '../support/cli.js';
import { bakingStep, condition, phaseIs, SHIFT_REF, startHarness, type Harness } from '../support/controller-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const cli = (...args: string[]): Promise<CliRun> => runTcpshift([...args, '--kubeconfig', h.api.kubeconfigPath, '-n', 'echo']);
const request = (): string | undefined => h.shift()?.metadata.annotations?.[ShiftAnnotations.request];

/** Run a verb that waits, reconciling (as the controller would) once its request is on the TCPShift. */
async function actedOn(args: string[], asked: string): Promise<CliRun> {
  const run = cli(...args, '--timeout', '20s');
  for (let i = 0; i < 400 && request() !== asked; i++) await new Promise((r) => setTimeout(r, 25));
  await h.reconcile();
  return run;
}

describe('request verbs on a TCPShift', () => {
  it('promote ends the bake of the current step now; the spec is not touched', async () => {
    h.create();
    await h.runUntil(bakingStep(0));
    const generation = h.shift()?.metadata.generation;
    const run = await actedOn(['promote', 'demo'], 'promote:1');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('TCPShift echo/demo: promote (end the bake of step 1 now) requested');
    expect(run.stdout).toMatch(/^TCPShift echo\/demo: Progressing \(\w+\), step 2\/3 \(canary 50%\)/);
    const s = h.shift()!;
    expect(s.status?.steps?.[0]).toMatchObject({ index: 0, verdict: 'ok', notes: expect.arrayContaining([expect.stringMatching(/^bake ended early: promote requested by /)]) });
    expect(s.metadata.generation).toBe(generation);
  });

  it('pause stops it where it is and says how to resume; resume removes the request and it goes on', async () => {
    await h.runUntil(bakingStep(1));
    const paused = await actedOn(['pause', 'demo', '-o', 'json'], 'pause');
    expect(paused.code, paused.stderr).toBe(0);
    expect(JSON.parse(paused.stdout)).toMatchObject({ managedBy: 'controller', phase: 'Paused', step: { number: 2 }, weights: { stable: 50, canary: 50 } });
    expect(h.shift()?.spec).not.toHaveProperty('paused', true);
    const text = await cli('status', 'demo');
    expect(text.stdout).toMatch(/phase: +Paused, step 2\/3 .*continue with: tcpshift resume demo -n echo/);
    expect(text.stdout).not.toMatch(/split:/); // the interrupted step's split is not the current one's
    const promote = await cli('promote', 'demo');
    expect(promote.code).toBe(2);
    expect(promote.stderr).toMatch(/is paused: nothing written; resume it first \(tcpshift resume demo -n echo\)/);
    const resumed = await cli('resume', 'demo');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/pause request removed; the controller continues it/);
    expect(request()).toBeUndefined();
    await h.runUntil(bakingStep(1));
  });

  it('promote --full goes to canary 100 skipping the remaining steps', async () => {
    const run = await actedOn(['promote', 'demo', '--full'], 'promote-full');
    expect(run.code, run.stderr).toBe(0);
    await h.runUntil(phaseIs('Promoted'));
    expect(h.api.weights()).toEqual([0, 100]);
    expect(h.shift()?.status?.steps?.at(-1)).toMatchObject({ index: 1, verdict: 'interrupted' });
  });

  it('retry is refused after a promotion (rollback first); after an abort resume is refused and retry starts a new run', async () => {
    const refused = await cli('retry', 'demo');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/was promoted: nothing to retry; tcpshift rollback demo -n echo moves the traffic back/);
    h.api.server.objects.delete(SHIFT_REF);
    await h.reconcile();
    h.restart();
    h.api.server.objects.patch({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' }, 'json', [
      { op: 'replace', path: '/spec/tcp/0/route/0/weight', value: 100 },
      { op: 'replace', path: '/spec/tcp/0/route/1/weight', value: 0 },
    ]);
    h.create();
    await h.runUntil(bakingStep(0));
    const abort = await actedOn(['abort', 'demo'], 'abort');
    expect(abort.code, abort.stderr).toBe(0);
    await h.runUntil(phaseIs('Aborted'));
    const resume = await cli('resume', 'demo');
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/has ended \(Aborted: .*\): nothing to resume; to run it again from stable: tcpshift retry demo -n echo/);
    const retry = await actedOn(['retry', 'demo'], 'retry');
    expect(retry.code, retry.stderr).toBe(0);
    expect(request()).toBeUndefined();
    expect(condition(h.shift(), 'Restarted')).toMatchObject({ status: 'True', reason: 'Retried' });
    expect((await h.events()).map((e) => e.reason)).toContain('Retried');
    await h.runUntil(bakingStep(0));
    const again = await cli('retry', 'demo');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is still running \(Progressing\): nothing to retry/);
  });
});

describe('request verbs on a CLI shift (state on its route)', () => {
  const placeBaking = (expiresAt: number): void => {
    const now = Date.now();
    const state = { ...initialState(now - 20_000), phase: 'baking' as const, stepIndex: 1, original: { stable: 100, canary: 0 }, bakeUntil: now + 60_000 };
    h.api.placeShift({ state, weights: [50, 50], holder: { identity: 'host-b/7/xyz', expiresAt } });
  };

  it('promote and pause ask the live holder on the route (promote names its step); the stored spec is not touched', async () => {
    // no TCPShift of that name any more (it would be found first): its finalizer dropped, deleted
    h.patch({ metadata: { finalizers: null } });
    h.api.server.objects.delete(SHIFT_REF);
    placeBaking(Date.now() + 60_000);
    const spec = h.api.annotations()[ShiftAnnotations.spec];
    const promote = await cli('promote', 'demo', '--timeout', '0');
    expect(promote.code, promote.stderr).toBe(0);
    expect(h.api.annotations()).toMatchObject({ [ShiftAnnotations.request]: 'promote:2', [ShiftAnnotations.requestedBy]: expect.stringMatching(/@/) });
    const pause = await cli('pause', 'demo', '--timeout', '0');
    expect(pause.code, pause.stderr).toBe(0);
    expect(h.api.annotations()[ShiftAnnotations.request]).toBe('pause');
    expect(h.api.annotations()[ShiftAnnotations.spec]).toBe(spec);
  });

  it('a shift whose process is gone: promote and pause are refused (exit 2), nothing written', async () => {
    placeBaking(Date.now() - 1);
    for (const verb of ['promote', 'pause']) {
      const run = await cli(verb, 'demo');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`process is gone \\(holder dead\\), so nothing would act on ${verb}: nothing written; tcpshift resume demo -n echo continues it`));
    }
    expect(h.api.writes()).toEqual({});
  });
});
