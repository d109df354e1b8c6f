// `tcpshift demo` (its own in-process sandbox): promotes without a fault, rolls back with each
// fault kind, naming the right reason, with canary 0 read back from the API. The promotion and the
// first fault run as real processes; the other faults through the same CLI entry in this process
// (runCli), which saves a Node start each and proves the same.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShiftReportDocument as ShiftReport } from '../../src/report/index.js';
import { runTcpshift } from '../support/cli.js';
import { startCli } from '../support/shift-e2e.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-demo-e2e-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function demo(how: 'process' | 'in-process', ...args: string[]): Promise<{ code: number | null; report: ShiftReport; stderr: string; seconds: number }> {
  const started = Date.now();
  const argv = ['demo', '--drain', '1s', '-o', 'json', '--report-dir', path.join(dir, args.join('-') || 'plain'), ...args];
  const run = how === 'process' ? await startCli(argv).done : await runTcpshift(argv);
  if (run.code !== 0 && run.code !== 3) throw new Error(`demo ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) as ShiftReport, stderr: run.stderr, seconds: (Date.now() - started) / 1000 };
}

describe('demo', { timeout: 90_000 }, () => {
  it('promotes without a fault, well under a minute, with live progress on stderr', async () => {
    const run = await demo('process');
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({ outcome: 'promoted', finalWeights: { stable: 0, canary: 100 } });
    expect(run.report.steps.map((s) => s.targetWeight)).toEqual([20, 50, 100]);
    // The split test decides 'consistent' when the step gets enough samples; on a loaded machine a
    // step may end 'undecided' (fewer samples in the bake), never 'inconsistent' on a healthy canary.
    for (const step of run.report.steps) expect(['consistent', 'undecided']).toContain(step.newConnections.split?.decision);
    expect(run.report.steps.some((s) => s.newConnections.split?.decision === 'consistent')).toBe(true);
    expect(run.stderr).toMatch(/demo: sandbox up in/);
    expect(run.stderr).toMatch(/step 3\/3 passed/);
    expect(run.stderr).toMatch(/report: .*report\.md/);
    expect(run.seconds).toBeLessThan(60);
  });

  const faults: Array<[string, RegExp]> = [
    ['blackhole', /timeout/],
    ['reset@50', /\(v2\) ended: (closed|reset)|refused/],
    ['refuse', /refused/],
    ['corrupt', /corrupt/],
    ['slow', /timeout/],
  ];
  it.each(faults)('--fault %s: rolled back, exit 3, for the right reason, canary 0 in the API', async (fault, reason) => {
    const run = await demo(fault === faults[0]![0] ? 'process' : 'in-process', '--fault', fault);
    expect(run.code, run.stderr).toBe(3);
    expect(run.report.outcome).toBe('rolled-back');
    expect(run.report.rollback!.reason).toMatch(reason);
    expect(run.report.rollback!.restoredAt).not.toBeNull();
    expect(run.report.finalWeights).toEqual({ stable: 100, canary: 0 });
    expect(run.stderr).toMatch(new RegExp(`fault '${fault.split('@')[0]!}' switched on`));
    // the report marks when: after the weight write of the fault's step, before the breach was seen
    const [kind, weight = '20'] = fault.split('@');
    expect(run.report.markers).toEqual([{ kind: 'fault', at: expect.any(String), text: `fault ${kind!} on the v2 pods (canary ${weight}%)` }]);
    const at = Date.parse(run.report.markers![0]!.at);
    const faultStep = run.report.steps.find((s) => s.targetWeight === Number(weight))!;
    expect(at).toBeGreaterThanOrEqual(Date.parse(faultStep.startedAt));
    expect(at).toBeLessThanOrEqual(Date.parse(run.report.rollback!.detectedAt));
  });

  it('a bad --fault is exit 2 before any sandbox starts', async () => {
    const run = await runTcpshift(['demo', '--fault', 'explode']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--fault: 'explode' is not KIND\[@WEIGHT\] with KIND one of blackhole, reset, refuse, corrupt, slow/);
    expect((await runTcpshift(['demo', '--fault', 'reset@30'])).stderr).toMatch(/must be one of the demo's steps: 20, 50, 100/);
  });
});
