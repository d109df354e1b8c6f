// `tcpshift list`/`get`: CLI shifts found on their routes and TCPShifts, one table, one vocabulary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialState, type ShiftState } from '../../src/shift/index.js';
import { runTcpshift } from '../support/cli.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';
import { shiftDocument } from '../support/shift-fixtures.js';

let api: ShiftApi;
beforeAll(async () => {
  api = await startShiftApi();
  const now = Date.now();
  const state: ShiftState = { ...initialState(now - 90_000), phase: 'paused', pausedFrom: 'baking', stepIndex: 1, original: { stable: 100, canary: 0 }, reason: 'paused by alice' };
  api.placeShift({ state, weights: [50, 50] });
  const created = api.server.objects.create(shiftDocument({ 'metadata.name': 'managed' }) as never);
  api.server.objects.update({ ...created, status: { phase: 'RolledBack', currentStep: 1, weights: { stable: 100, canary: 0 } } }, 'status');
});
afterAll(async () => api.close());

const list = (...args: string[]) => runTcpshift(['list', '--kubeconfig', api.kubeconfigPath, ...args]);

describe('list / get', () => {
  it('a kubectl-style table of the CLI shift (on its route) and the TCPShift', async () => {
    const run = await list('-n', 'echo');
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +BY +PHASE +STEP +CANARY +HOLDER +AGE$/);
    expect(lines[1]).toMatch(/^demo +cli +Paused +2\/3 +50 +- +(89|9\d)s$/);
    expect(lines[2]).toMatch(/^managed +controller +RolledBack +1\/3 +0 +- +-$/);
  });

  it('-A adds the namespace; -o wide the target, activity, probe counters and reason; get is the same verb', async () => {
    const run = await runTcpshift(['get', '-A', '-o', 'wide', '--kubeconfig', api.kubeconfigPath]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^NAMESPACE +NAME +BY +PHASE +STEP +CANARY +HOLDER +AGE +TARGET +ACTIVITY +PROBES +REASON$/m);
    expect(run.stdout).toMatch(/^echo +demo +cli +Paused .* VirtualService echo\/echo +- +- +paused by alice$/m);
  });

  it('-o json is a List of status documents; a namespace without shifts says so on stderr', async () => {
    const doc = JSON.parse((await list('-n', 'echo', '-o', 'json')).stdout) as { kind: string; items: Array<{ name: string; phase: string; managedBy: string }> };
    expect(doc.kind).toBe('List');
    expect(doc.items.map((i) => [i.name, i.managedBy, i.phase])).toEqual([['demo', 'cli', 'Paused'], ['managed', 'controller', 'RolledBack']]);
    const none = await list('-n', 'default');
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toMatch(/No shifts found in default namespace/);
  });
});
