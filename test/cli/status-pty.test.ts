// `tcpshift status NAME -w` as a person sees it: the built CLI attached to a pseudo-terminal of 80
// columns (util-linux `script`), following a CLI shift whose process publishes its probe counters on
// the route (a real shift over the sandbox; for the breach, counters placed on the API emulator as
// that process writes them), redrawn in place, and exiting with the shift's own code when it ends.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialState, probesAnnotation, type ShiftState } from '../../src/shift/index.js';
import { bin, runTcpshift } from '../support/cli.js';
import { programOrSkip } from '../support/require-program.js';
import { newConnections } from '../support/shift-fixtures.js';
import { baking, startCli, startE2e, waitForState, type E2eEnv } from '../support/shift-e2e.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';

const script = programOrSkip('script', 'bsdutils');
const VS = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };
const COLUMNS = 80;
const ESC = String.fromCharCode(27);
/** A control sequence (ESC [ params letter): cursor moves, erases. */
const CSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');
/** A redraw in place: the cursor back up over the lines drawn before (CSI n F), then erase below (CSI J). */
const REDRAW = new RegExp(`${ESC}\\[\\d+F${ESC}\\[J`);
// the case: on 80 columns the bar and `new 800/1000 (3 failed)` were cut at the right edge
const counters = {
  longLivedWanted: 20,
  longLivedOpen: 18,
  heartbeatsEchoed: 345,
  ends: { drained: 2, closed: 0, reset: 0, timeout: 0, corrupt: 0, refused: 0 },
  newConnections: newConnections({ ok: 797, canary: 400, failed: { timeout: 3 }, split: { targetShare: 0.5, decision: 'consistent' } }),
};

interface Watch {
  done: Promise<number | null>;
  output: () => string;
}

/** `tcpshift status demo -w` on a terminal of 80 columns; `script -e` exits with its code. */
function watchOnPty(kubeconfig: string): Watch {
  const command = `stty cols ${COLUMNS} rows 24; exec "${process.execPath}" "${bin('tcpshift')}" status demo -w -n echo --kubeconfig "${kubeconfig}"`;
  const child = spawn(script as string, ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { done, output: () => out };
}

async function until(check: () => boolean, what: string, watch: Watch): Promise<void> {
  // wall-clock bound, wide: under a busy core a process start alone can take seconds
  for (const deadline = Date.now() + 45_000; Date.now() < deadline; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(watch.output())}`);
}

/** The lines a person sees, escapes removed: split where the terminal starts a line. */
function visibleLines(output: string): string[] {
  return output.replace(CSI, '\n').split(/\r\n|\n|\r/);
}

/** What the terminal showed is the live view of a shift, fitted to 80 columns. */
function expectLiveViewFits(output: string): string {
  expect(visibleLines(output).filter((l) => [...l].length > COLUMNS)).toEqual([]);
  const plain = output.replace(CSI, '');
  expect(plain).toMatch(/step \d\/\d baking, bake \S+ left +stable \d+% ▕█+░*▏ canary \d+%/);
  return plain;
}

describe.skipIf(!script)('status NAME -w on a pseudo-terminal of 80 columns, following a real CLI shift', () => {
  let env: E2eEnv;
  beforeAll(async () => {
    if (script) env = await startE2e();
  }, 60_000);
  afterAll(async () => env?.sandbox.stop());

  it('redraws the live view in place (step, weights bar, the probe counters the shift publishes) and exits 0 when the shift is promoted', async () => {
    const file = await env.spec('pty', { 'spec.schedule.bake': '3s' });
    // the counters ride on each lock renewal: every third of --lock-ttl, so every second here
    const shift = startCli(['shift', '-f', file, ...env.flags('pty'), '--lock-ttl', '3s']);
    await waitForState(env, baking(0, 50), 'the shift baking its first step');
    const watch = watchOnPty(env.sandbox.info.kubeconfig);
    await until(() => /long-lived \d+\/6 open/.test(watch.output()) && REDRAW.test(watch.output()), 'the live view with counters, drawn twice', watch);
    const [shifted, watched] = await Promise.all([shift.done, watch.done]);
    expect(shifted.code, shifted.stdout + shifted.stderr).toBe(0);
    expect(watched, watch.output()).toBe(0);
    const plain = expectLiveViewFits(watch.output());
    expect(plain).toMatch(/new \d+\/600 \(\d+ failed\)/);
    expect(plain).toMatch(/phase: +Promoted/);
  }, 120_000);
});

describe.skipIf(!script)('status NAME -w on a pseudo-terminal of 80 columns, a shift that rolls back', () => {
  let api: ShiftApi;
  beforeAll(async () => {
    api = await startShiftApi();
  });
  afterAll(async () => api.close());

  it("exits 3, the shift's own code, after a breach; on the terminal the bar and `new 800/1000 (3 failed)` fit, piped it prints plain lines", async () => {
    const now = Date.now();
    const stepTwo: ShiftState = { ...initialState(now - 30_000), phase: 'baking', stepIndex: 1, original: { stable: 100, canary: 0 }, bakeUntil: now + 60_000 };
    api.placeShift({ state: stepTwo, weights: [50, 50], holder: { identity: 'host-b/7/xyz', expiresAt: now + 120_000 } });
    // as the shift's process publishes them with a lock renewal
    api.server.objects.patch(VS, 'merge', { metadata: { annotations: probesAnnotation(counters, 1, now) as Record<string, string> } });
    const watch = watchOnPty(api.kubeconfigPath);
    // the same watch with stdout not a terminal (a pipe, a CI log), side by side
    const piped = runTcpshift(['status', 'demo', '-w', '-n', 'echo', '--kubeconfig', api.kubeconfigPath]);
    await until(() => /long-lived 18\/20 open/.test(watch.output()), 'the live view', watch);
    api.placeShift({ state: { ...stepTwo, phase: 'rolled-back', bakeUntil: undefined, rollback: { cause: 'breach', reason: 'long-lived timeout', detectedAt: now, restoredAt: now + 40 }, reason: 'long-lived timeout', endedAt: now + 40 }, weights: [100, 0] });
    expect(await watch.done).toBe(3);
    const plain = expectLiveViewFits(watch.output());
    expect(plain).toMatch(/new 800\/1000 \(3 failed\)/);
    expect(plain).toMatch(/phase: +RolledBack, step 2\/3 \(canary 50%\) - long-lived timeout/);
    const lines = await piped;
    expect(lines.code).toBe(3);
    expect(lines.stdout).not.toContain(ESC);
    expect(lines.stdout).toMatch(/^\[ *[\d.]+s\] step 2\/3 baking, .*long-lived 18\/20 open.*new 800\/1000 \(3 failed\)/m);
  }, 90_000);
});
