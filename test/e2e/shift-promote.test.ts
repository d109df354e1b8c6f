// `tcpshift shift` as a real process over the sandbox: promotion with one route write per step,
// a pipeline re-run after it (already promoted), --restart, the drain's reconnect waves tolerated, the same drain a breach under `preserve`, a bad spec
// writing nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ShiftReportDocument as ShiftReport } from '../../src/report/index.js';
import { startCli, startE2e, type E2eEnv } from '../support/shift-e2e.js';

let env: E2eEnv;
beforeAll(async () => {
  env = await startE2e();
}, 60_000);
afterAll(async () => env?.sandbox.stop());
beforeEach(async () => env.reset());

async function report(dir: string): Promise<ShiftReport> {
  return JSON.parse(await readFile(path.join(env.sandbox.files.dir, dir, 'report.json'), 'utf8')) as ShiftReport;
}

describe('shift over the sandbox', () => {
  it('promotes: exit 0, canary 100 in the API, one route write per step, the report files written', async () => {
    const file = await env.spec('promote');
    env.sandbox.api.resetRequestCounts();
    const run = await startCli(['shift', '-f', file, ...env.flags('promote'), '--lock-ttl', '60s']).done;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Promoted: stable 0% \/ canary 100%/m);
    expect(env.weights()).toEqual([0, 100]);
    // the lock, each of the two steps (weight and state together), the final state; nothing else
    expect(env.sandbox.api.requestCounts()['patch virtualservices']).toBe(4);
    const r = await report('promote');
    expect(r).toMatchObject({ outcome: 'promoted', finalWeights: { stable: 0, canary: 100 }, originalWeights: { stable: 100, canary: 0 } });
    expect(r.steps.map((s) => [s.targetWeight, s.verdict])).toEqual([[50, 'ok'], [100, 'ok']]);
    for (const s of r.steps) {
      expect(s.newConnections.failed).toBe(0);
      expect(s.newConnections.split?.decision).toBe('consistent');
      // tolerate-drain: every long-lived connection opened before the change was drained, and reported
      expect(s.reconnectWave).toBeGreaterThan(0);
      expect(s.longLived.ends.drained).toBe(s.reconnectWave);
      expect(s.longLived.ends.closed + s.longLived.ends.reset + s.longLived.ends.timeout).toBe(0);
    }
    expect(await readFile(path.join(env.sandbox.files.dir, 'promote', 'timeline.svg'), 'utf8')).toContain('<svg');
    expect(await readFile(path.join(env.sandbox.files.dir, 'promote', 'report.md'), 'utf8')).toContain('promoted');
  });

  it('a pipeline re-run after the promotion exits 0 "already promoted" and writes nothing', async () => {
    const file = await env.spec('rerun');
    expect((await startCli(['shift', '-f', file, ...env.flags('rerun-1')]).done).code).toBe(0);
    const promoted = env.sandbox.api.objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' });
    env.sandbox.api.resetRequestCounts();
    const rerun = await startCli(['shift', '-f', file, ...env.flags('rerun-2'), '-o', 'json']).done;
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ outcome: 'already-promoted', target: 'VirtualService echo/echo' });
    expect(Object.keys(env.sandbox.api.requestCounts()).filter((k) => /^(patch|update|create|delete) virtualservices/.test(k))).toEqual([]);
    const after = env.sandbox.api.objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' });
    expect(after.metadata.resourceVersion).toBe(promoted.metadata.resourceVersion);
    expect(env.weights()).toEqual([0, 100]);
  });

  it('a route left with canary traffic is refused (exit 2) unless --restart, which starts again from stable', async () => {
    const ref = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };
    const vs = env.sandbox.api.objects.get(ref) as unknown as { spec: { tcp: Array<{ route: Array<{ weight: number }> }> } };
    vs.spec.tcp[0]!.route[0]!.weight = 70;
    vs.spec.tcp[0]!.route[1]!.weight = 30;
    const left = env.sandbox.api.objects.update(vs as never);
    const file = await env.spec('restart');
    const refused = await startCli(['shift', '-f', file, ...env.flags('restart-1')]).done;
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/VirtualService echo\/echo already sends 30% of new connections to the canary .*tcpshift shift --restart starts again from stable/);
    expect(env.sandbox.api.objects.get(ref).metadata.resourceVersion).toBe(left.metadata.resourceVersion);
    const restarted = await startCli(['shift', '-f', file, ...env.flags('restart-2'), '--restart']).done;
    expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0);
    expect(await report('restart-2')).toMatchObject({ outcome: 'promoted', originalWeights: { stable: 100, canary: 0 } });
  });

  it('existingConnections: preserve turns the same drain into a breach: rolled back, exit 3', async () => {
    const file = await env.spec('preserve', { 'spec.analysis.existingConnections': 'preserve' });
    const run = await startCli(['shift', '-f', file, ...env.flags('preserve'), '-o', 'json']).done;
    expect(run.code, run.stderr).toBe(3);
    const r = JSON.parse(run.stdout) as ShiftReport;
    expect(r.outcome).toBe('rolled-back');
    expect(r.rollback!.reason).toMatch(/drained.*existingConnections: preserve/);
    expect(r.rollback!.detectionToRestoreMs).toBeGreaterThanOrEqual(0);
    expect(r.steps[0]).toMatchObject({ targetWeight: 50, verdict: 'breach' });
    expect(env.weights()).toEqual([100, 0]);
    expect(run.stderr).toContain('rolling back to stable');
  });

  it('a bad spec writes nothing (and a spec for a route that is not there)', async () => {
    env.sandbox.api.resetRequestCounts();
    const bad = await env.spec('bad', { 'spec.schedule.steps': [50, 150] });
    const run = await startCli(['shift', '-f', bad, ...env.flags('bad')]).done;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/spec\.schedule\.steps\[1\]/);
    const missing = await env.spec('missing', { 'spec.target.virtualService': 'nope' });
    expect((await startCli(['shift', '-f', missing, ...env.flags('missing')]).done).code).toBe(2);
    const writes = Object.entries(env.sandbox.api.requestCounts()).filter(([k]) => /^(patch|update|create|delete)/.test(k));
    expect(writes).toEqual([]);
  });
});
