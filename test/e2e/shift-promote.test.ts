// `tcpshift shift` as a real process over the sandbox: promotion with one route write per step,
// the drain's reconnect waves tolerated, the same drain a breach under `preserve`, a bad spec
// writing nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ShiftReport } from '../../src/report/index.js';
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
    expect(run.stdout).toMatch(/^promoted: stable 0% \/ canary 100%/m);
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
