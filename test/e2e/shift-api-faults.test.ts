// A CLI shift that stays honest when the API is slow or gone, and truthful when others edit the
// route: every actor a real process over the sandbox. The CLI reaches the API through a TCP fault
// proxy (TLS passes through it untouched): `delay` adds latency each way, `blackhole` swallows
// every byte without FIN or RST. The gateway drains for 3 s, so a drain close is told from a
// canary broken within the first seconds of a write.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ShiftReportDocument as ShiftReport } from '../../src/report/index.js';
import { startFaultProxy, type FaultProxy } from '../../src/sandbox/faults/index.js';
import { waitFor } from '../support/probe-wait.js';
import { baking, ShiftAnnotations, startCli, startE2e, waitForState, type E2eEnv, type RunningCli } from '../support/shift-e2e.js';

const DRAIN_MS = 3000;
let env: E2eEnv;
let proxy: FaultProxy;
/** A kubeconfig whose server is the fault proxy in front of the sandbox API. */
let proxiedKubeconfig: string;

beforeAll(async () => {
  env = await startE2e({ drainMs: DRAIN_MS });
  const api = new URL(env.sandbox.info.apiServer);
  proxy = await startFaultProxy({ target: { host: api.hostname, port: Number(api.port) } });
  proxiedKubeconfig = path.join(env.sandbox.files.dir, 'kubeconfig-via-fault-proxy');
  const text = await readFile(env.sandbox.info.kubeconfig, 'utf8');
  expect(text).toContain(env.sandbox.info.apiServer);
  await writeFile(proxiedKubeconfig, text.replaceAll(env.sandbox.info.apiServer, `https://${proxy.host}:${proxy.port}`), { mode: 0o600 });
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await env?.sandbox.stop();
});
beforeEach(async () => {
  proxy.setMode('pass');
  await env.reset();
});

const viaProxy = (report: string): string[] => ['--kubeconfig', proxiedKubeconfig, '--report-dir', path.join(env.sandbox.files.dir, report)];
const readReport = async (report: string): Promise<ShiftReport> => JSON.parse(await readFile(path.join(env.sandbox.files.dir, report, 'report.json'), 'utf8')) as ShiftReport;
const BROKEN_ENDS = ['closed', 'reset', 'timeout', 'corrupt', 'refused'] as const;

/** Wait until the shift printed `text` (the failure shows what it printed instead). */
async function printed(shift: RunningCli, text: string, what: string): Promise<void> {
  await waitFor(() => shift.output().includes(text), what, 30_000).catch((error: unknown) => {
    throw new Error(`${String(error)}; it printed:\n${shift.output()}`);
  });
}

describe('a slow API', () => {
  // 500 ms from the start: the pre-flight, the lock and every write are slow. 2 s from the header
  // on (the lock taken): the step writes are answered after their drain closes began; the 2 s on
  // the pre-flight's eight round trips would only add half a minute to what the 500 ms case shows.
  it.each([
    [500, 'from the start'],
    [2000, 'once the lock is taken'],
  ] as const)('%i ms added each way %s: a healthy shift promotes under tolerate-drain, the drain closes classified drained', async (delayMs, from) => {
    if (from === 'from the start') proxy.setMode('delay', { delayMs });
    const name = `slow-${delayMs}`;
    // Bake > drain + margin: each step's drain close lands inside its own step.
    const file = await env.spec(name, { 'spec.schedule.bake': '6s', 'spec.probe.longLived.connections': 8 });
    const shift = startCli(['shift', '-f', file, ...viaProxy(name), '-o', 'json']);
    if (from === 'once the lock is taken') {
      await printed(shift, 'plan: ', 'the header, printed once the lock is taken');
      proxy.setMode('delay', { delayMs });
    }
    const run = await shift.done;
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as ShiftReport;
    expect(report.outcome).toBe('promoted');
    const drained = report.steps.reduce((sum, s) => sum + s.longLived.ends.drained, 0);
    // Every long-lived connection opened before step 1 is closed by its drain, after the write's commit and
    // (at 500 ms) before or (at 2 s) long before the write's answer came back.
    expect(drained).toBeGreaterThanOrEqual(8);
    for (const step of report.steps) {
      for (const kind of BROKEN_ENDS) expect(step.longLived.ends[kind], `step ${step.number} ${kind}`).toBe(0);
      expect(step.verdict).toBe('ok');
    }
  }, 240_000);
});

describe('an API that does not answer', () => {
  it('probing goes on: a canary broken while the step write is pending is seen, a warning within seconds, exit 1 at --api-deadline saying what the route may carry; rollback works once the API is back', async () => {
    const file = await env.spec('blackhole', { 'spec.schedule.bake': '6s', 'spec.probe.longLived.connections': 10 });
    const shift = startCli(['shift', '-f', file, ...viaProxy('blackhole'), '--api-deadline', '12s']);
    await printed(shift, 'weights written: stable 50% / canary 50%', 'step 1 acknowledged');
    // Step 1's drain (3 s) reconnects the long-lived connections, about half of them to the canary.
    proxy.setMode('blackhole');
    await printed(shift, 'step 1/2 passed', 'step 1 passed: step 2 written into the black hole');
    await env.sandbox.setFault({ version: 'v2' }, 'reset');
    const run = await shift.done;
    const output = run.stdout + run.stderr;
    expect(run.code, output).toBe(1);
    expect(output).toMatch(/step 2\/2 breach: /);
    expect(output).toMatch(/rolling back to stable/);
    expect(output).toMatch(/route write \(canary 100\) pending for \d+ s \(API slow or unreachable\)/);
    expect(output).toMatch(/the API did not answer within the API deadline \(12s\): NOT acknowledged: route write \(canary 100\) sent [^;]+; rollback \(canary 0\) sent/);
    expect(output).toMatch(/the route carries stable 50 \/ canary 50 \(the last acknowledged write\) or canary 100 or canary 0/);
    expect(output).toMatch(/tcpshift rollback demo -n echo/);
    const report = await readReport('blackhole');
    expect(report.outcome).toBe('failed');
    expect(report.rollback).toMatchObject({ cause: 'breach', restoredAt: null });
    expect(report.steps.map((s) => s.verdict)).toEqual(['ok', 'breach']);
    expect(report.reason).toMatch(/did not answer/);
    // Nothing got through: the route is where step 1 put it, its state still says step 2 (a dead holder).
    expect(env.weights()).toEqual([50, 50]);
    proxy.setMode('pass');
    await env.sandbox.setFault({ version: 'v2' }, 'pass');
    const finish = await startCli(['rollback', 'demo', '-n', 'echo', '--kubeconfig', env.sandbox.info.kubeconfig]).done;
    expect(finish.code, finish.stdout + finish.stderr).toBe(0);
    await waitFor(() => env.weights()[1] === 0, 'canary 0 after tcpshift rollback');
  }, 120_000);

  it('SIGTERM while a write is pending: stops within seconds and says what was and was not written', async () => {
    const file = await env.spec('sigterm', { 'spec.schedule.bake': '6s' });
    const shift = startCli(['shift', '-f', file, ...viaProxy('sigterm')]);
    await printed(shift, 'weights written: stable 50% / canary 50%', 'step 1 acknowledged');
    proxy.setMode('blackhole');
    await printed(shift, 'step 1/2 passed', 'step 2 written into the black hole');
    const signalled = Date.now();
    shift.child.kill('SIGTERM');
    const run = await shift.done;
    const output = run.stdout + run.stderr;
    // The interrupt waits 10 s for the API, not the 2 min deadline.
    expect(Date.now() - signalled).toBeLessThan(30_000);
    expect(run.code, output).toBe(1);
    expect(output).toMatch(/rolling back to stable: aborted by interrupt \(SIGTERM\)/);
    expect(output).toMatch(/did not answer before the process had to stop: NOT acknowledged: route write \(canary 100\) sent [^;]+; rollback \(canary 0\) sent/);
    expect(env.weights()).toEqual([50, 50]);
  }, 90_000);
});

interface Destination {
  destination: { host: string; subset?: string; port?: { number: number } };
  weight?: number;
}
interface StoredRoute {
  metadata: Record<string, unknown>;
  spec: { tcp: Array<{ route: Destination[] }> };
}

/** Someone else edits the VirtualService (in the API, as kubectl would): weights by subset, and more destinations. */
function editRoute(weights: Record<string, number>, more: Destination[] = []): void {
  const ref = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };
  const vs = env.sandbox.api.objects.get(ref) as unknown as StoredRoute;
  const tcp = vs.spec.tcp[0]!;
  const route = [
    ...Object.entries(weights).map(([subset, weight]) => ({ ...tcp.route.find((d) => d.destination.subset === subset)!, weight })),
    ...more,
  ];
  env.sandbox.api.objects.update({ ...vs, spec: { ...vs.spec, tcp: [{ ...tcp, route }] } });
}

describe('someone else changes the route mid-bake', () => {
  it('weights set to 100/0: the shift pauses (exit 4) and says why; the step is interrupted, not ok; the route says paused, its lock released', async () => {
    const file = await env.spec('edited', { 'spec.schedule.bake': '8s' });
    const shift = startCli(['shift', '-f', file, ...env.flags('edited'), '-o', 'json']);
    await waitForState(env, baking(0, 50), 'step 1 baking');
    editRoute({ v1: 100, v2: 0 });
    const run = await shift.done;
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/step 1\/2: the route's weights were changed by someone else: stable 100 \/ canary 0 where this shift wrote stable 50 \/ canary 50/);
    const report = JSON.parse(run.stdout) as ShiftReport;
    expect(report.outcome).toBe('paused');
    expect(report.reason).toMatch(/^paused: the route's weights were changed by someone else/);
    expect(report.steps.map((s) => s.verdict)).toEqual(['interrupted']);
    expect(env.weights()).toEqual([100, 0]);
    expect(env.annotations()[ShiftAnnotations.phase]).toBe('Paused');
    expect(env.annotations()[ShiftAnnotations.holder]).toBeUndefined();
    expect(env.state()?.reason).toMatch(/changed by someone else/);
  }, 60_000);

  it('onExternalChange: rollback: the change is a breach, canary 0 is written, exit 3', async () => {
    const file = await env.spec('edited-rollback', { 'spec.schedule.bake': '8s', 'spec.analysis.onExternalChange': 'rollback' });
    const shift = startCli(['shift', '-f', file, ...env.flags('edited-rollback'), '-o', 'json']);
    await waitForState(env, baking(0, 50), 'step 1 baking');
    editRoute({ v1: 0, v2: 100 });
    const run = await shift.done;
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(run.stdout) as ShiftReport;
    expect(report.rollback?.reason).toMatch(/changed by someone else: stable 0 \/ canary 100/);
    expect(env.weights()).toEqual([100, 0]);
  }, 60_000);

  it('another destination given traffic: the refusal is printed and kept in the report and state, the route phase is paused, not stepping with a dead holder', async () => {
    const file = await env.spec('refused', { 'spec.schedule.bake': '8s' });
    const shift = startCli(['shift', '-f', file, ...env.flags('refused')]);
    await waitForState(env, baking(0, 50), 'step 1 baking');
    // A third destination that serves (the per-version Service of v1): tcpshift cannot own this route any more.
    editRoute({ v1: 45, v2: 45 }, [{ destination: { host: 'echo-v1.echo.svc.cluster.local', port: { number: 9000 } }, weight: 10 }]);
    const run = await shift.done;
    expect(run.code, run.stdout + run.stderr).toBe(4);
    expect(run.stdout).toMatch(/cannot be shifted any more: .*destinations other than the stable and canary subsets carry traffic/);
    expect((await readReport('refused')).reason).toMatch(/destinations other than the stable and canary subsets carry traffic/);
    expect(env.annotations()[ShiftAnnotations.phase]).toBe('Paused');
    expect(env.annotations()[ShiftAnnotations.holder]).toBeUndefined();
    expect(env.state()?.reason).toMatch(/destinations other than the stable and canary subsets carry traffic/);
  }, 60_000);
});
