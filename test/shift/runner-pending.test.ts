// The runner while the API does not answer a write (a port whose writes hang until released),
// with scripted probes and a manual clock: it keeps deciding, sees a breach and queues the
// rollback behind the hanging write, warns, and gives up at the API deadline or the interrupt
// cut-off saying what was and was not written.
import { describe, expect, it } from 'vitest';
import { initialState, ShiftRunner, type RouteObservation, type ShiftPort, type ShiftState, type WeightPurpose } from '../../src/shift/index.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { shiftFor } from '../support/shift-fixtures.js';
import { ScriptedProber } from '../support/shift-prober.js';

/** Writes hang until `answer()`; `sent` lists what was asked, in order. */
class HangingPort implements ShiftPort {
  readonly sent: string[] = [];
  private waiting: Array<() => void> = [];
  hang = true;

  writeWeight(canaryWeight: number, _state: ShiftState, purpose: WeightPurpose): Promise<RouteObservation> {
    this.sent.push(`${purpose} ${canaryWeight}`);
    const written = { canaryWeight, stableWeight: 100 - canaryWeight };
    if (!this.hang) return Promise.resolve(written);
    return new Promise((resolve) => this.waiting.push(() => resolve(written)));
  }

  persist(state: ShiftState): Promise<void> {
    this.sent.push(`persist ${state.phase}`);
    return this.hang ? new Promise(() => undefined) : Promise.resolve();
  }

  answer(): void {
    for (const release of this.waiting.splice(0)) release();
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

async function until(clock: ManualClock, condition: () => boolean, stepMs = 100, maxMs = 300_000): Promise<void> {
  for (let t = 0; t < maxMs && !condition(); t += stepMs) {
    await clock.advance(stepMs);
    await settle();
  }
  expect(condition()).toBe(true);
}

function setUp(apiDeadlineMs: number | undefined) {
  const clock = new ManualClock();
  const shift = shiftFor({ 'spec.schedule.bake': '10s' });
  const port = new HangingPort();
  const prober = new ScriptedProber();
  const warnings: string[] = [];
  const runner = new ShiftRunner({
    spec: shift.spec,
    state: initialState(clock.now()),
    route: { canaryWeight: 0, stableWeight: 100 },
    prober,
    port,
    clock,
    observer: { writePending: (what, ms) => warnings.push(`${what} ${ms}`) },
    ...(apiDeadlineMs !== undefined ? { apiDeadlineMs } : {}),
  });
  return { clock, port, prober, runner, warnings };
}

describe('ShiftRunner with writes the API does not answer', () => {
  it('keeps deciding: a breach while the step write hangs is seen at once and its rollback queued; warns after 5 s; fails at the deadline naming both writes', async () => {
    const { clock, port, prober, runner, warnings } = setUp(60_000);
    const running = runner.run();
    await until(clock, () => port.sent.length === 1);
    expect(port.sent).toEqual(['step 20']);
    expect(runner.current()).toMatchObject({ phase: 'stepping', stepIndex: 0 });
    await clock.advance(2000);
    prober.end({ id: 1, version: 'v2', openedAt: clock.now() - 5000, endedAt: clock.now(), end: 'reset', detail: 'ECONNRESET' });
    await settle();
    expect(runner.current().phase).toBe('rolling-back');
    expect(runner.current().rollback).toMatchObject({ cause: 'breach', detectedAt: clock.now() });
    // The rollback waits behind the step's write: one write at a time, in order.
    expect(port.sent).toEqual(['step 20']);
    await until(clock, () => warnings.length > 0);
    expect(warnings[0]).toMatch(/^route write \(canary 20\) 5\d{3}$/);
    const final = await (async () => {
      await until(clock, () => runner.endedUnanswered(), 1000);
      return running;
    })();
    expect(final.phase).toBe('failed');
    expect(final.reason).toMatch(/the API did not answer within the API deadline \(1m\): NOT acknowledged: route write \(canary 20\) sent 1m ago; rollback \(canary 0\) sent 5\d\.?\d*s ago; the route carries stable 100 \/ canary 0 \(the last acknowledged write\) or canary 20 or canary 0/);
    expect(final.rollback?.restoredAt).toBeUndefined();
  });

  it('once the API answers, the queued rollback goes out and the shift ends rolled back', async () => {
    const { clock, port, prober, runner } = setUp(60_000);
    const running = runner.run();
    await until(clock, () => port.sent.length === 1);
    prober.end({ id: 1, version: 'v2', openedAt: clock.now() - 5000, endedAt: clock.now(), end: 'reset' });
    await settle();
    port.hang = false;
    port.answer();
    const final = await (async () => {
      await until(clock, () => ['rolled-back', 'failed'].includes(runner.current().phase));
      return running;
    })();
    expect(final.phase).toBe('rolled-back');
    expect(port.sent).toEqual(['step 20', 'rollback 0', 'persist rolled-back']);
  });

  it('an interrupt cuts the wait short: it ends within the cut-off, not at the API deadline', async () => {
    const { clock, port, runner } = setUp(120_000);
    const running = runner.run();
    await until(clock, () => port.sent.length === 1);
    const interruptedAt = clock.now();
    runner.limitWriteWait(10_000);
    await until(clock, () => runner.endedUnanswered(), 500);
    expect(clock.now() - interruptedAt).toBeLessThanOrEqual(11_000);
    expect((await running).reason).toMatch(/did not answer before the process had to stop: NOT acknowledged: route write \(canary 20\)/);
  });

  it('without a deadline it waits, probing and deciding, as long as it takes', async () => {
    const { clock, port, runner } = setUp(undefined);
    const running = runner.run();
    await until(clock, () => port.sent.length === 1);
    await clock.advance(600_000);
    await settle();
    expect(runner.endedUnanswered()).toBe(false);
    expect(runner.current().phase).toBe('stepping');
    port.hang = false;
    port.answer();
    await until(clock, () => runner.current().phase === 'baking');
    runner.halt('test over');
    await running;
  });
});
