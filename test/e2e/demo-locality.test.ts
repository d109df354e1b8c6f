// `tcpshift demo --strategy locality` as a real process (issue 14), the one CLI-process e2e of the
// drain-free strategy: 20 long-lived connections survive every step (no end at all, under
// existingConnections: preserve) and the shift promotes, the weights in the DestinationRule.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ShiftReport } from '../../src/report/index.js';
import { startCli } from '../support/shift-e2e.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-demo-locality-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('demo --strategy locality promotes with its 20 long-lived connections open through every step', { timeout: 120_000 }, async () => {
  const run = await startCli(['demo', '--strategy', 'locality', '-o', 'json', '--report-dir', dir]).done;
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as ShiftReport;
  expect(report).toMatchObject({ outcome: 'promoted', target: 'DestinationRule echo/echo-locality', finalWeights: { stable: 0, canary: 100 } });
  expect(report.steps.map((s) => s.targetWeight)).toEqual([20, 50, 100]);
  for (const step of report.steps) {
    expect(step.longLived.open, `step ${step.targetWeight}`).toBe(20);
    expect(Object.values(step.longLived.ends).reduce((a, b) => a + b, 0), `step ${step.targetWeight}: ends`).toBe(0);
    expect(step.reconnectWave).toBe(0);
  }
  expect(run.stderr).toMatch(/plan: 0 reconnect waves/);
  expect(run.stderr).toMatch(/Gateway echo-locality-gateway port 31401/);
});
