// abort and rollback against the API emulator: direct when nobody runs the shift, a request
// (and a wait) when a live process does, an annotation for a TCPShift run by the controller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialState, readShiftState, ShiftAnnotations, type ShiftState } from '../../src/shift/index.js';
import { runTcpshift } from '../support/cli.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';
import { shiftDocument } from '../support/shift-fixtures.js';

let api: ShiftApi;
beforeAll(async () => {
  api = await startShiftApi();
});
afterAll(async () => api.close());

const cli = (verb: string, ...args: string[]) => runTcpshift([verb, 'demo', '--kubeconfig', api.kubeconfigPath, '-n', 'echo', ...args]);
const state = (phase: ShiftState['phase'], stepIndex = 1): ShiftState => ({ ...initialState(Date.now() - 5000), phase, stepIndex, original: { stable: 100, canary: 0 } });

describe('abort', () => {
  it('a paused shift is rolled back here: canary 0 and state aborted in one write', async () => {
    api.placeShift({ state: state('paused'), weights: [50, 50] });
    const run = await cli('abort');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/shift echo\/demo Aborted: stable 100 \/ canary 0 written \(aborted by .+\)/);
    expect(api.weights()).toEqual([100, 0]);
    expect(readShiftState(api.annotations())).toMatchObject({ phase: 'aborted', rollback: { cause: 'operator', abort: true } });
    expect(api.writes()).toEqual({ 'patch virtualservices': 1 });
  });

  it('a shift whose holder expired is rolled back here too, and its lock released', async () => {
    api.placeShift({ state: state('stepping'), weights: [50, 50], holder: { identity: 'gone-host/1/x', expiresAt: Date.now() - 1000 } });
    expect((await cli('abort')).code).toBe(0);
    expect(api.weights()).toEqual([100, 0]);
    expect(api.annotations()[ShiftAnnotations.holder]).toBeUndefined();
  });

  it('a live holder is asked through the annotation; exit 1 when it does not act within --timeout', async () => {
    api.placeShift({ state: state('stepping'), weights: [50, 50], holder: { identity: 'busy-host/1/x', expiresAt: Date.now() + 60_000 } });
    const run = await cli('abort', '--timeout', '400ms');
    expect(run.stdout).toContain('asked busy-host/1/x to abort');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/did not act on the request within 400ms/);
    expect(api.annotations()).toMatchObject({ [ShiftAnnotations.request]: 'abort', [ShiftAnnotations.requestedBy]: expect.stringMatching(/@.* pid \d+/) as string });
    expect(api.weights()).toEqual([50, 50]);
  });

  it('--timeout 0 asks and returns', async () => {
    api.placeShift({ state: state('baking'), weights: [50, 50], holder: { identity: 'busy-host/1/x', expiresAt: Date.now() + 60_000 } });
    const run = await cli('abort', '--timeout', '0');
    expect(run.code).toBe(0);
    expect(api.writes()).toEqual({ 'patch virtualservices': 1 });
  });

  it('a finished shift has nothing to abort: nothing written', async () => {
    api.placeShift({ state: state('promoted', 2), weights: [0, 100] });
    const run = await cli('abort');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/already ended \(Promoted\): nothing to abort; tcpshift rollback demo/);
    expect(api.writes()).toEqual({});
  });

  it('a bad --timeout is exit 2', async () => {
    expect((await cli('abort', '--timeout', 'soon')).code).toBe(2);
  });
});

describe('rollback', () => {
  it('rolls a promoted shift back to stable', async () => {
    api.placeShift({ state: state('promoted', 2), weights: [0, 100] });
    const run = await cli('rollback');
    expect(run.code).toBe(0);
    expect(api.weights()).toEqual([100, 0]);
    expect(readShiftState(api.annotations())).toMatchObject({ phase: 'rolled-back', reason: expect.stringMatching(/^rollback requested by /) as string });
  });
});

describe('resume refusals and the controller seam', () => {
  it('nothing to resume: a finished shift, a live one elsewhere, a route without state', async () => {
    api.placeShift({ state: state('rolled-back'), weights: [100, 0] });
    const finished = await cli('resume');
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(/shift demo already ended RolledBack \(VirtualService echo\/echo is back on stable\): nothing to resume; to run it again from stable: tcpshift retry demo/);
    api.placeShift({ state: state('promoted'), weights: [0, 100] });
    const promoted = await cli('resume');
    expect(promoted.code).toBe(2);
    expect(promoted.stderr).toMatch(/shift demo was promoted .*nothing to resume; to move the traffic back use tcpshift rollback demo/);
    api.placeShift({ state: state('baking'), weights: [50, 50], holder: { identity: 'busy-host/1/x', expiresAt: Date.now() + 60_000 } });
    expect((await cli('resume')).stderr).toMatch(/is running in busy-host\/1\/x: nothing to resume/);
    api.placeShift({ weights: [100, 0] });
    expect((await cli('resume')).code).toBe(2);
    expect(api.writes()).toEqual({});
  });

  it('abort, rollback and resume of a TCPShift set the request annotation or spec.paused for the controller', async () => {
    api.server.objects.create({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', metadata: { name: 'ctl', namespace: 'echo' }, spec: { paused: true } });
    const get = () => api.server.objects.get({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'ctl', namespace: 'echo' }) as unknown as { metadata: { annotations?: Record<string, string> }; spec: { paused?: boolean } };
    const ctl = (verb: string, ...flags: string[]) => runTcpshift([verb, 'ctl', '--kubeconfig', api.kubeconfigPath, '-n', 'echo', ...flags]);
    expect((await ctl('rollback', '--timeout', '0')).stdout).toMatch(/rollback requested \(annotation tcpshift.io\/request\) for the controller\nnot waiting/);
    expect(get().metadata.annotations?.[ShiftAnnotations.request]).toBe('rollback');
    expect((await ctl('resume')).code).toBe(0);
    expect(get().spec.paused).toBe(false);
    expect(get().metadata.annotations?.[ShiftAnnotations.request]).toBeUndefined();
    // Nobody acts on it here (no controller runs): abort waits for --timeout, says so, exit 1, the request stays.
    const abort = await ctl('abort', '--timeout', '300ms');
    expect(abort.code).toBe(1);
    expect(abort.stderr).toMatch(/the controller did not act on the request within 300ms \(is it running\?\)/);
    expect(get().metadata.annotations?.[ShiftAnnotations.request]).toBe('abort');
  });

  it('resume of a TCPShift that has ended is exit 2 saying what to do, and writes nothing', async () => {
    for (const [phase, hint] of [['RolledBack', /has ended \(RolledBack: canary broke\): nothing to resume; to run it again from stable: tcpshift retry done -n echo/], ['Promoted', /nothing to resume; to move the traffic back use tcpshift rollback done/]] as const) {
      const created = api.server.objects.create({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', metadata: { name: 'done', namespace: 'echo' }, spec: {} });
      api.server.objects.update({ ...created, status: { phase, conditions: [{ type: 'Ready', status: 'False', message: 'canary broke' }] } }, 'status');
      api.server.resetRequestCounts();
      const run = await runTcpshift(['resume', 'done', '-n', 'echo', '--kubeconfig', api.kubeconfigPath]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(hint);
      expect(api.writes()).toEqual({});
      api.server.objects.delete({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'done', namespace: 'echo' });
    }
  });
});

describe('a CLI shift whose route a TCPShift ran on afterwards', () => {
  const tcpShiftRef = { apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'managed', namespace: 'echo' };
  /** A TCPShift of the same route whose controller run started at `startedAt`. */
  function controllerRan(startedAt: number, phase = 'RolledBack'): void {
    const doc = shiftDocument({ 'metadata.name': 'managed' });
    const created = api.server.objects.create(doc as never);
    api.server.objects.update({ ...created, status: { phase, weights: { stable: 100, canary: 0 }, engine: { version: 1, spec: doc.spec, state: { ...state('rolled-back'), startedAt, updatedAt: startedAt } } } }, 'status');
  }

  it("status and rollback of the CLI name show and act on the controller's truth, not the stale CLI state", async () => {
    api.placeShift({ state: { ...state('promoted'), updatedAt: Date.now() - 60_000 }, weights: [0, 100] });
    controllerRan(Date.now() - 10_000);
    api.server.resetRequestCounts();
    const status = await cli('status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/shift demo's state on VirtualService echo\/echo is out of date: TCPShift echo\/managed \(the controller\) ran on that route after it/);
    expect(status.stdout).toMatch(/shift echo\/managed: TCPShift resource, run by the controller\n {2}phase: {4}RolledBack/);
    const json = JSON.parse((await cli('status', '-o', 'json')).stdout) as { managedBy: string; name: string; supersedes: unknown };
    expect(json).toMatchObject({ managedBy: 'controller', name: 'managed', supersedes: { cliShift: 'demo', route: 'VirtualService echo/echo' } });
    const rollback = await cli('rollback', '--timeout', '0');
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toMatch(/TCPShift echo\/managed: rollback requested/);
    expect(api.server.objects.get(tcpShiftRef).metadata.annotations?.[ShiftAnnotations.request]).toBe('rollback');
    expect(api.writes()).toEqual({ 'patch tcpshifts': 1 }); // the route (and its stale CLI state) untouched
    api.server.objects.delete(tcpShiftRef);
  });

  it('a TCPShift that ran before the CLI shift does not hide it', async () => {
    api.placeShift({ state: { ...state('promoted'), updatedAt: Date.now() - 1000 }, weights: [0, 100] });
    controllerRan(Date.now() - 60_000);
    const status = await cli('status');
    expect(status.stdout).toMatch(/^shift echo\/demo: run by the CLI/);
    api.server.objects.delete(tcpShiftRef);
  });
});
