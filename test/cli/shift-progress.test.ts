import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ShiftProgress, weightBar } from '../../src/cli/shift-progress.js';
import type { CliContext } from '../../src/cli/io.js';
import { decide, initialState } from '../../src/shift/index.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { ScriptedProber } from '../support/shift-prober.js';
import { longLived, observation, probe, route, shiftFor } from '../support/shift-fixtures.js';

function setUp(tty: boolean, columns?: number) {
  const clock = new ManualClock();
  const out = Object.assign(new PassThrough(), { isTTY: tty, columns });
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const ctx = { clock, stdout: out, stderr: out, env: {}, interrupts: new AbortController().signal, setExitCode: () => undefined } as unknown as CliContext;
  const spec = shiftFor().spec;
  const progress = new ShiftProgress(out, ctx, spec);
  const prober = new ScriptedProber();
  return { clock, progress, prober, spec, output: () => text };
}

describe('shift progress', () => {
  it('draws the weights as a bar', () => {
    expect(weightBar(0)).toBe(`▕${'░'.repeat(30)}▏`);
    expect(weightBar(50)).toBe(`▕${'█'.repeat(15)}${'░'.repeat(15)}▏`);
  });

  it('on a TTY: a live view (step, phase, bake left, weights bar, probe counters) redrawn under the event lines', async () => {
    const { clock, progress, prober, spec, output } = setUp(true, 200);
    const state = { ...initialState(clock.now()), phase: 'stepping' as const, stepIndex: 0, original: { stable: 100, canary: 0 } };
    const d = decide(spec, state, observation(route(20, clock.now()), probe({ stepIndex: 0 })), clock.now());
    prober.markStep(0);
    prober.startSampling({ stepIndex: 0, targetShare: 0.2 });
    progress.begin(['header line'], d.state, prober, 20);
    progress.decided(d);
    await clock.advance(2000);
    const text = output();
    expect(text).toContain('header line\n');
    expect(text).toMatch(/\[ +0\.0s\] step 1\/3: canary 20% \(stable 80%\)/);
    expect(text).toMatch(/step 1\/3 baking, bake 8s left {2}stable 80% ▕/);
    expect(text).toContain('new 1000/1000 (0 failed), canary 20%');
    expect(text).toContain('\x1b[2F\x1b[J'); // the two live lines cleared before each redraw
    progress.finish();
  });

  it('on a narrow TTY the live lines are cut to its width (a wrapped line would break the redraw)', async () => {
    const { clock, progress, prober, output } = setUp(true, 60);
    progress.begin([], { ...initialState(clock.now()), phase: 'baking', stepIndex: 0, bakeUntil: clock.now() + 9000 }, prober, 20);
    await clock.advance(1000);
    progress.finish();
    const live = output().split('\n').filter((l) => l.includes('\x1b[2K'));
    expect(live.length).toBeGreaterThan(0);
    const ESC = String.fromCharCode(27);
    const visible = (line: string): string => line.split(ESC).map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*[A-Za-z]/, ''))).join('');
    for (const line of live) expect([...visible(line)].length).toBeLessThanOrEqual(59);
  });

  it('a multi-port shift adds a counters line per match port, one port\'s broken end shown on its own line', async () => {
    const { clock, progress, prober, output } = setUp(true, 200);
    const counters = prober.counters();
    const port = (matchPort: number, reset: number) => ({ ...counters, matchPort, ends: { ...counters.ends, reset } });
    prober.counters = () => ({ ...counters, ports: [port(9000, 0), port(9001, 1)] });
    progress.begin([], { ...initialState(clock.now()), phase: 'baking', stepIndex: 0, bakeUntil: clock.now() + 9000 }, prober, 20);
    await clock.advance(1000);
    progress.finish();
    expect(output()).toMatch(/port 9000: long-lived \d+\/4 open, 0 drained, 0 broken/);
    expect(output()).toMatch(/port 9001: long-lived \d+\/4 open, 0 drained, 1 broken/);
  });

  it('without a TTY: plain lines only, a status line every 5 s', async () => {
    const { clock, progress, prober, output } = setUp(false);
    progress.begin(['header'], { ...initialState(clock.now()), phase: 'baking', stepIndex: 1, bakeUntil: clock.now() + 9000 }, prober, 50);
    progress.weightWritten(50, 'step');
    await clock.advance(10_000);
    progress.finish();
    const text = output();
    expect(text).not.toContain('\x1b[');
    expect(text).toMatch(/weights written: stable 50% \/ canary 50%/);
    expect(text.match(/step 2\/3 baking/g)).toHaveLength(2);
  });

  it('a pre-flight that fails prints its conclusion first, then the refused connections summarised', () => {
    const { clock, progress, prober, spec, output } = setUp(false);
    const pending = initialState(clock.now());
    progress.begin([], pending, prober, 0);
    for (let id = 1; id <= 20; id++) prober.end({ id, version: null, openedAt: clock.now(), endedAt: clock.now(), end: 'refused', detail: 'ECONNREFUSED' });
    const refusedAll = longLived(Array.from({ length: 20 }, (_, i) => ({ id: i + 1, version: null, openedAt: clock.now(), endedAt: clock.now(), end: 'refused' as const })));
    const failed = decide(spec, pending, observation(route(0), probe({ ready: true, longLived: refusedAll })), clock.now());
    expect(failed.state.phase).toBe('failed');
    progress.decided(failed);
    progress.finish();
    const lines = output().split('\n').filter((l) => l !== '');
    expect(lines[0]).toContain(failed.state.reason!);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/connection 1 \(unidentified\) ended: refused/), expect.stringMatching(/19 more long-lived connection\(s\) ended: refused/)]);
  });

  it("a breach's reason is printed once; the rollback's lines after it refer to it", () => {
    const { clock, progress, prober, output } = setUp(false);
    const reason = 'new connections: 16 failed (16 timeout) of 1500 per step';
    const rolling = { ...initialState(clock.now()), phase: 'rolling-back' as const, stepIndex: 0, rollback: { cause: 'breach' as const, reason, detectedAt: clock.now() } };
    progress.begin([], rolling, prober, 20);
    progress.decided({ state: rolling, actions: [], events: [{ type: 'Breach', message: `step 1/3 breach: ${reason}`, warning: true }, { type: 'RollingBack', message: `rolling back to stable: ${reason}`, warning: true }] });
    progress.decided({ state: { ...rolling, phase: 'rolled-back' }, actions: [], events: [{ type: 'RolledBack', message: `RolledBack: canary at 0% (${reason})`, warning: true }] });
    progress.finish();
    const text = output();
    expect(text.split(reason)).toHaveLength(2);
    expect(text).toContain('rolling back to stable: see above');
    expect(text).toContain('RolledBack: canary at 0% (see above)');
  });
});

