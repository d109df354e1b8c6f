import { describe, expect, it } from 'vitest';
import { IdleTimer } from '../../src/echo/idle-timer.js';
import { ManualClock } from '../../src/util/manual-clock.js';

describe('IdleTimer', () => {
  it('fires once after the timeout without activity', async () => {
    const clock = new ManualClock(0);
    let fired = 0;
    new IdleTimer(clock, 1000, () => fired++);
    await clock.advance(999);
    expect(fired).toBe(0);
    await clock.advance(1);
    expect(fired).toBe(1);
    await clock.advance(10_000);
    expect(fired).toBe(1);
  });

  it('counts the timeout from the last touch, keeping a single timer', async () => {
    const clock = new ManualClock(0);
    let firedAt: number | undefined;
    const timer = new IdleTimer(clock, 1000, () => (firedAt = clock.now()));
    for (let t = 0; t < 5; t++) {
      await clock.advance(600);
      timer.touch();
    }
    expect(clock.pending()).toBe(1);
    expect(firedAt).toBeUndefined();
    await clock.advance(1000);
    expect(firedAt).toBe(4000);
  });

  it('never fires once cancelled', async () => {
    const clock = new ManualClock(0);
    let fired = false;
    new IdleTimer(clock, 100, () => (fired = true)).cancel();
    await clock.advance(1000);
    expect(fired).toBe(false);
    expect(clock.pending()).toBe(0);
  });
});
