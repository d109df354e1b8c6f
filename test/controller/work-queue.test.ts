import { describe, expect, it } from 'vitest';
import { runWorkers, WorkQueue } from '../../src/controller/index.js';
import { ManualClock } from '../../src/util/manual-clock.js';

function queue(): { q: WorkQueue; clock: ManualClock } {
  const clock = new ManualClock();
  return { q: new WorkQueue({ clock, baseDelayMs: 100, maxDelayMs: 1000 }), clock };
}

describe('WorkQueue', () => {
  it('queues a key once however often it is added, in the order first added', async () => {
    const { q } = queue();
    for (const key of ['a', 'b', 'a', 'c', 'b']) q.add(key);
    expect(q.length).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
  });

  it('never hands a key to two workers: added while processing, it comes back after done', async () => {
    const { q } = queue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key as string);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('addAfter keeps the earliest timer of a key', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 5000);
    q.addAfter('a', 1000);
    q.addAfter('a', 3000);
    await clock.advance(999);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    await q.get().then((k) => q.done(k as string));
    await clock.advance(10_000);
    expect(q.length).toBe(0);
  });

  it('backs off exponentially per key up to the cap, and forget starts over', () => {
    const { q } = queue();
    expect([1, 2, 3, 4, 5].map(() => q.addRateLimited('a'))).toEqual([100, 200, 400, 800, 1000]);
    expect(q.addRateLimited('b')).toBe(100);
    q.forget('a');
    expect(q.addRateLimited('a')).toBe(100);
  });

  it('shutDown releases waiting workers and drops pending keys and timers', async () => {
    const { q, clock } = queue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('a');
    q.addAfter('b', 10);
    await clock.advance(100);
    expect(q.length).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('runWorkers processes keys in parallel, one worker per key at a time, until shut down', async () => {
    const { q } = queue();
    const running = new Set<string>();
    const seen: string[] = [];
    let overlap = false;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const workers = runWorkers(q, 3, async (key) => {
      if (running.has(key)) overlap = true;
      running.add(key);
      seen.push(key);
      await gate;
      running.delete(key);
    });
    for (const key of ['a', 'b', 'c', 'a']) q.add(key);
    await new Promise((r) => setTimeout(r, 10));
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(seen.filter((k) => k === 'a')).toHaveLength(2);
    q.shutDown();
    await workers;
    expect(overlap).toBe(false);
  });
});
