import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/manual-clock.js';

describe('ManualClock', () => {
  it('fires timers in time order and only when due', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(() => fired.push('b'), 200);
    clock.setTimer(() => fired.push('a'), 100);
    await clock.advance(150);
    expect(fired).toEqual(['a']);
    await clock.advance(50);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(200);
  });

  it('runs async continuations between timers', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(1000);
        seen.push(clock.now());
      }
    })();
    await clock.advance(3000);
    await loop;
    expect(seen).toEqual([1000, 2000, 3000]);
  });

  it('cancelled timers and aborted sleeps never fire', async () => {
    const clock = new ManualClock(0);
    let fired = false;
    clock.setTimer(() => (fired = true), 10).cancel();
    const ac = new AbortController();
    const sleeping = clock.sleep(1000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    await clock.advance(2000);
    expect(fired).toBe(false);
    expect(clock.pending()).toBe(0);
  });
});
