// `status NAME -w` from another terminal: the shift's own live view fed by the counters a CLI shift
// publishes on its route or a TCPShift in status.probes, and the shift's exit code when it ends.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { initialState, probesAnnotation, type ShiftState } from '../../src/shift/index.js';
import { systemClock } from '../../src/util/clock.js';
import { bakingStep, phaseIs, startHarness, type Harness } from '../support/controller-harness.js';
import { runTcpshift } from '../support/cli.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const VS = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };
const counters = { longLivedWanted: 20, longLivedOpen: 18, heartbeatsEchoed: 345, ends: { drained: 2, closed: 0, reset: 0, timeout: 0, corrupt: 0, refused: 0 }, newConnections: undefined };

/** Run `status demo -w` on a stream that says it is a terminal; returns the exit code and what it drew. */
function watchOnTty(): { done: Promise<number>; output: () => string } {
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = runCli(['status', 'demo', '-w', '-n', 'echo', '--kubeconfig', h.api.kubeconfigPath], { stdout, stderr, env: {}, clock: systemClock, interrupts: new AbortController().signal });
  return { done, output: () => out };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('status -w', () => {
  it("a running CLI shift: the live view with its published counters, then exit 3 when it rolls back after a breach", async () => {
    const now = Date.now();
    const baking: ShiftState = { ...initialState(now - 30_000), phase: 'baking', stepIndex: 1, original: { stable: 100, canary: 0 }, bakeUntil: now + 60_000 };
    h.api.placeShift({ state: baking, weights: [50, 50], holder: { identity: 'host-b/7/xyz', expiresAt: now + 120_000 } });
    const probes = probesAnnotation(counters, 1, now) as Record<string, string>;
    // placeShift writes the plain (single-route) keys; the counters go beside them
    h.api.server.objects.patch(VS, 'merge', { metadata: { annotations: probes } });
    const wide = await runTcpshift(['get', '-o', 'wide', '-n', 'echo', '--kubeconfig', h.api.kubeconfigPath]);
    expect(wide.stdout).toMatch(/^demo +cli +Progressing +2\/3 +50 +alive .* baking +18\/20 open, 0 broken, new - *$/m);
    const watch = watchOnTty();
    await until(() => /long-lived 18\/20 open/.test(watch.output()), 'the live view').catch((e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify(watch.output())}`);
    });
    expect(watch.output()).toMatch(/step 2\/3 baking, bake \S+ left +stable 50% ▕█+░+▏ canary 50%/);
    const ended: ShiftState = { ...baking, phase: 'rolled-back', bakeUntil: undefined, rollback: { cause: 'breach', reason: 'long-lived timeout', detectedAt: now, restoredAt: now + 40 }, reason: 'long-lived timeout', endedAt: now + 40 };
    h.api.placeShift({ state: ended, weights: [100, 0] });
    expect(await watch.done).toBe(3);
    expect(watch.output()).toMatch(/phase: +RolledBack, step 2\/3 \(canary 50%\) - long-lived timeout/);
  });

  it('a CLI shift whose process is gone ends the watch at once, saying so (exit 1)', async () => {
    const now = Date.now();
    h.api.placeShift({ state: { ...initialState(now - 30_000), phase: 'stepping', stepIndex: 0 }, weights: [80, 20], holder: { identity: 'host-b/7/xyz', expiresAt: now - 1 } });
    const run = await runTcpshift(['status', 'demo', '-w', '-n', 'echo', '--kubeconfig', h.api.kubeconfigPath]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/its process is gone \(holder dead\); tcpshift resume demo -n echo continues it/);
  });

  it('a TCPShift: status, get -o wide and the live view of status -w show its status.probes as a CLI shift\'s, exit 0 once Promoted', async () => {
    h.api.placeShift({ weights: [100, 0] });
    h.create();
    await h.runUntil(bakingStep(0));
    const status = await runTcpshift(['status', 'demo', '-n', 'echo', '--kubeconfig', h.api.kubeconfigPath]);
    expect(status.stdout).toMatch(/^ {2}probes: +long-lived 0\/4 open, 0 drained, 0 broken; new 1000 \(0 failed\) \(at 20\d\d-/m);
    const wide = await runTcpshift(['get', '-o', 'wide', '-n', 'echo', '--kubeconfig', h.api.kubeconfigPath]);
    expect(wide.stdout).toMatch(/^demo +controller +Progressing +1\/3 +20 .* baking +0\/4 open, 0 broken, new 1000 \(0 failed\)/m);
    const json = JSON.parse((await runTcpshift(['status', 'demo', '-n', 'echo', '-o', 'json', '--kubeconfig', h.api.kubeconfigPath])).stdout) as { probes: unknown };
    expect(json.probes).toMatchObject({ step: 1, longLived: { wanted: 4, open: 0, ends: { drained: 0 } }, newConnections: { attempted: 1000, failed: 0 } });
    const watch = watchOnTty();
    await until(() => /long-lived 0\/4 open/.test(watch.output()), 'the live view').catch((e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify(watch.output())}`);
    });
    expect(watch.output()).toMatch(/step 1\/3 baking.* +stable 80% ▕█+░+▏ canary 20%/);
    await h.runUntil(phaseIs('Promoted'));
    expect(await watch.done).toBe(0);
    expect(watch.output()).toMatch(/TCPShift resource, run by the controller\n +phase: +Promoted/);
  });
});
