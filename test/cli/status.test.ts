import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialState, type ShiftState } from '../../src/shift/index.js';
import { runTcpshift } from '../support/cli.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';
import { longLived, newConnections } from '../support/shift-fixtures.js';

let api: ShiftApi;
beforeAll(async () => {
  api = await startShiftApi();
});
afterAll(async () => api.close());

const status = (...args: string[]) => runTcpshift(['status', '--kubeconfig', api.kubeconfigPath, '-n', 'echo', ...args]);

function stepping(now: number): ShiftState {
  const done = { index: 0, targetWeight: 20, startedAt: now - 20_000, endedAt: now - 10_000, verdict: 'ok' as const, reasons: [], notes: [], reconnectWave: 4, drainWindow: null, newConnections: newConnections({ split: {} }), longLived: longLived() };
  return { ...initialState(now - 20_000), phase: 'stepping', stepIndex: 1, original: { stable: 100, canary: 0 }, steps: [done], updatedAt: now - 2000 };
}

describe('status', () => {
  it('shows a running CLI shift: Progressing (baking) once its step weight is on the route, holder alive, steps so far', async () => {
    const now = Date.now();
    api.placeShift({ state: stepping(now), weights: [50, 50], holder: { identity: 'host-a/10/abc', expiresAt: now + 60_000 } });
    const run = await status('demo');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('shift echo/demo: run by the CLI, state on VirtualService echo/echo');
    expect(run.stdout).toMatch(/phase: +Progressing \(baking\), step 2\/3 \(canary 50%\), bake about \d+s left/);
    expect(run.stdout).toMatch(/weights: +stable 50 \/ canary 50 \(before the shift: stable 100, canary 0\)/);
    expect(run.stdout).toMatch(/holder: +host-a\/10\/abc, lock until .* \(alive\)/);
    expect(run.stdout).toMatch(/step 1: +20% ok \(split consistent, reconnect wave 4\)/);
    expect(api.writes()).toEqual({});
  });

  it('-o json gives the document: phase, step, weights, holder dead once expired (said so, no bake left), the pending request, ISO times, steps from 1', async () => {
    const now = Date.now();
    api.placeShift({ state: stepping(now), weights: [80, 20], holder: { identity: 'host-a/10/abc', expiresAt: now - 1 }, request: 'abort' });
    const run = await status('demo', '-o', 'json');
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      managedBy: 'cli', name: 'demo', namespace: 'echo', target: 'VirtualService echo/echo', phase: 'Progressing', activity: 'holder-dead',
      step: { number: 2, of: 3, canaryWeight: 50 }, weights: { stable: 80, canary: 20 }, holder: { identity: 'host-a/10/abc', alive: false }, request: { action: 'abort' },
      startedAt: new Date(now - 20_000).toISOString(),
    });
    expect(doc.bakeEndsAt).toBeUndefined();
    expect(doc.steps).toMatchObject([{ number: 1, canaryWeight: 20, verdict: 'ok', endedAt: new Date(now - 10_000).toISOString() }]);
    const text = await status('demo');
    expect(text.stdout).toMatch(/phase: +Progressing, step 2\/3 \(canary 50%\): its process is gone \(holder dead\); tcpshift resume demo -n echo continues it/);
    expect(text.stdout).not.toMatch(/bake about/);
    expect((await status('demo', '-o', 'yaml')).stdout).toMatch(/^managedBy: cli$/m);
  });

  it('a shift at a gate says which gate, what opens it and (timed) how long is left', async () => {
    const now = Date.now();
    const state: ShiftState = { ...stepping(now), phase: 'waiting', stepIndex: 0, gate: { kind: 'pause', afterStep: 0, since: now - 5000, until: now + 65_000 } };
    api.placeShift({ state, weights: [80, 20], holder: { identity: 'host-a/10/abc', expiresAt: now + 60_000 } });
    const run = await status('demo', '-o', 'json');
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ phase: 'Progressing', activity: 'waiting', step: { number: 1 }, gate: { kind: 'pause', afterStep: 1, until: new Date(now + 65_000).toISOString() } });
    expect(doc.reason).toMatch(/^waiting at the gate after step 1\/3 for its time, [0-9ms]+ left \(promote: tcpshift promote demo -n echo opens it now\)$/);
  });

  it('an unknown name is exit 2 naming where it looked', async () => {
    const run = await status('nope');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no shift named nope in namespace echo: no TCPShift nope, and no VirtualService, DestinationRule or TCPRoute carrying a tcpshift.io\/spec annotation of shift nope/);
  });

  it('a TCPShift run by the controller shows its .status', async () => {
    api.server.objects.create({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', metadata: { name: 'ctl', namespace: 'echo' }, spec: {} });
    const stored = api.server.objects.get({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'ctl', namespace: 'echo' });
    api.server.objects.update({ ...stored, status: { phase: 'Progressing', currentStep: 2, weights: { stable: 75, canary: 25 }, conditions: [{ type: 'Ready', status: 'False', reason: 'Baking' }] } } , 'status');
    const run = await status('ctl');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('TCPShift resource, run by the controller');
    expect(run.stdout).toMatch(/phase: +Progressing, step 2/);
    expect(run.stdout).toMatch(/weights: +stable 75 \/ canary 25/);
    expect(run.stdout).toContain('Ready: False (Baking)');
  });
});
