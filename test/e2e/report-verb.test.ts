// `tcpshift report NAME` over the real sandbox, the CLI and the controller run in this process:
// a CLI shift paused mid-bake and resumed, then a controller shift; each report is written from
// what the cluster keeps, report.json validated against schemas/report.schema.json, and the
// resumed shift's report covers the whole history (the pause included).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShiftReportDocument } from '../../src/report/index.js';
import { FAST_LEASE, SANDBOX_PROBE_ALLOW, waitForValue } from '../support/controller-e2e.js';
import { repoRoot, runTcpshift } from '../support/cli.js';
import { baking, startE2e, waitForState, type E2eEnv } from '../support/shift-e2e.js';

let env: E2eEnv;
beforeAll(async () => {
  env = await startE2e();
}, 60_000);
afterAll(async () => env?.sandbox.stop());

const validate = new Ajv({ allErrors: true }).compile(JSON.parse(await readFile(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object);
const schemaErrors = (doc: unknown): string => (validate(doc) ? '' : JSON.stringify(validate.errors, null, 1));
/** This file tests reports, not breach detection: a starved machine (the other core busy) must not fail a step. */
const LENIENT = { 'spec.analysis.maxNewConnectionFailureRate': 0.5, 'spec.probe.longLived.timeout': '4s', 'spec.analysis.maxEchoErrors': 6 };
const cluster = (): string[] => ['-n', 'echo', '--kubeconfig', env.sandbox.info.kubeconfig];

async function report(name: string): Promise<{ doc: ShiftReportDocument; svg: string; md: string }> {
  const dir = path.join(env.sandbox.files.dir, `report-${name}`);
  const run = await runTcpshift(['report', name, ...cluster(), '--dir', dir, '-o', 'json']);
  expect(run.code, run.stderr).toBe(0);
  const written = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as ShiftReportDocument;
  expect(JSON.parse(run.stdout)).toEqual(written);
  return { doc: written, svg: await readFile(path.join(dir, 'timeline.svg'), 'utf8'), md: await readFile(path.join(dir, 'report.md'), 'utf8') };
}

describe('tcpshift report', { timeout: 90_000 }, () => {
  it('the schema rejects what report.json must not be: epoch milliseconds, steps from 0, no kind', () => {
    const bad = { apiVersion: 'tcpshift.io/v1alpha1', name: 'x', namespace: 'y', target: 't', outcome: 'promoted', startedAt: 1795258440000, endedAt: 1795258441000, durationMs: 1000, finalWeights: { stable: 0, canary: 100 }, originalWeights: null, schedule: { steps: [100], bakeMs: 1 }, steps: [], warnings: [] };
    expect(validate(bad)).toBe(false);
    expect(JSON.stringify(validate.errors)).toMatch(/kind/);
    expect(JSON.stringify(validate.errors)).toMatch(/startedAt/);
  });

  it('of a CLI shift paused mid-bake and resumed: the whole history, the pause included, valid against the schema', async () => {
    // a longer first bake: the pause comes once the step's write is acknowledged and its bake runs
    const file = await env.spec('paused', { ...LENIENT, 'spec.schedule.steps': [50, 100], 'spec.schedule.bake': '4s' });
    const interrupt = new AbortController();
    const first = runTcpshift(['shift', '-f', file, ...env.flags('paused'), '--on-interrupt', 'pause'], { interrupts: interrupt.signal });
    await waitForState(env, baking(0, 50), 'step 1 baking');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    interrupt.abort(new Error('interrupted by SIGINT'));
    expect((await first).code).toBe(4);
    const resumed = await runTcpshift(['resume', 'demo', ...cluster(), '--report-dir', path.join(env.sandbox.files.dir, 'resumed')]);
    expect(resumed.code, resumed.stderr).toBe(0);

    const { doc, svg, md } = await report('demo');
    expect(schemaErrors(doc)).toBe('');
    expect(doc).toMatchObject({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'ShiftReport', name: 'demo', phase: 'Promoted', outcome: 'promoted', finalWeights: { stable: 0, canary: 100 } });
    expect(doc.steps.map((s) => [s.number, s.targetWeight, s.verdict])).toEqual([[1, 50, 'interrupted'], [1, 50, 'ok'], [2, 100, 'ok']]);
    expect(doc.steps[0]!.reasons[0]).toMatch(/^paused/);
    expect(Date.parse(doc.steps[1]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(doc.steps[0]!.endedAt));
    expect(svg).toContain('>paused</text>');
    expect(md).toMatch(/\| 1 \| 50% \| \*\*interrupted\*\* \|/);
    // the file the resumed run wrote has the same history
    const local = JSON.parse(await readFile(path.join(env.sandbox.files.dir, 'resumed', 'report.json'), 'utf8')) as ShiftReportDocument;
    expect(schemaErrors(local)).toBe('');
    expect(local.steps.map((s) => s.verdict)).toEqual(['interrupted', 'ok', 'ok']);
  });

  it('of a TCPShift run by the controller, from its status; text output names the files', async () => {
    await env.reset();
    const stop = new AbortController();
    const controller = runTcpshift(
      ['controller', '--kubeconfig', env.sandbox.info.kubeconfig, '--identity', 'report-test', '--lease-namespace', 'tcpshift-system', '--health-port', '0', '--metrics-port', '0', '--probe-allow', SANDBOX_PROBE_ALLOW, '--log-format', 'text', ...FAST_LEASE],
      { interrupts: stop.signal },
    );
    try {
      const doc = parse(await readFile(await env.spec('ctl', { ...LENIENT, 'metadata.name': 'ctl' }), 'utf8')) as Record<string, unknown>;
      env.sandbox.api.objects.create(doc as never);
      const ref = { apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'ctl', namespace: 'echo' };
      await waitForValue(() => (env.sandbox.api.objects.get(ref) as { status?: { phase?: string } }).status?.phase, (p) => p === 'Promoted', 'TCPShift ctl Promoted', 60_000);
    } finally {
      stop.abort(new Error('interrupted by SIGTERM'));
    }
    const logs = (await controller).stdout;
    expect(logs).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO .*shift=echo\/ctl/m);
    expect(logs).not.toMatch(/^\{/m);

    const { doc, svg } = await report('ctl');
    expect(schemaErrors(doc)).toBe('');
    expect(doc).toMatchObject({ kind: 'ShiftReport', name: 'ctl', phase: 'Promoted', outcome: 'promoted', target: 'VirtualService echo/echo' });
    expect(doc.steps.map((s) => [s.number, s.verdict])).toEqual([[1, 'ok'], [2, 'ok']]);
    expect(svg).toContain('class="step-label"');
    const text = await runTcpshift(['report', 'ctl', ...cluster(), '--dir', path.join(env.sandbox.files.dir, 'ctl-text')]);
    expect(text.stdout).toMatch(/^Promoted: echo\/ctl, 2 step record\(s\)\nreport: .*report\.md$/m);
  });

  it('an unknown shift is exit 2 naming where it looked', async () => {
    const run = await runTcpshift(['report', 'nope', ...cluster()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no shift named nope in namespace echo/);
  });
});
