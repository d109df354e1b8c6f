import { describe, expect, it } from 'vitest';
import { ConflictError, RetryableError } from '../../src/kube/errors.js';
import { backoffDelay, defaultRetryPolicy, withRetry } from '../../src/kube/retry.js';
import { ManualClock } from '../../src/util/manual-clock.js';

describe('backoff', () => {
  it('grows exponentially up to the cap, with the jittered share drawn at random', () => {
    const p = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(p, a, 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3].map((a) => backoffDelay(p, a, 0))).toEqual([50, 100, 200]);
    expect(backoffDelay({ ...p, jitter: 0 }, 3, 0.123)).toBe(400);
  });
});

describe('withRetry', () => {
  it('retries retryable failures on the injected clock, then returns the result', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const delays: number[] = [];
    const done = withRetry(
      () => {
        calls++;
        return calls < 3 ? Promise.reject(new RetryableError('busy', 503)) : Promise.resolve('ok');
      },
      { clock, random: () => 1, policy: { baseDelayMs: 100 }, onRetry: (_e, _a, d) => delays.push(d) },
    );
    await clock.advance(99);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(calls).toBe(2);
    await clock.advance(200);
    await expect(done).resolves.toBe('ok');
    expect(delays).toEqual([100, 200]);
  });

  it('uses the Retry-After as a floor and rethrows non-retryable errors at once', async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    let calls = 0;
    const done = withRetry(
      () => {
        calls++;
        return Promise.reject(calls === 1 ? new RetryableError('slow down', 429, 'TooManyRequests', 3000) : new ConflictError('stale', 409));
      },
      { clock, random: () => 0, onRetry: (_e, _a, d) => delays.push(d) },
    ).catch((e: unknown) => e);
    await clock.advance(3000);
    expect(await done).toBeInstanceOf(ConflictError);
    expect(delays).toEqual([3000]);
    expect(calls).toBe(2);
  });

  it('stops waiting when the signal aborts', async () => {
    const clock = new ManualClock();
    const abort = new AbortController();
    const done = withRetry(() => Promise.reject(new RetryableError('down', 0)), { clock, signal: abort.signal }).catch((e: unknown) => e);
    await clock.advance(10);
    abort.abort(new Error('shutting down'));
    expect(await done).toEqual(new Error('shutting down'));
  });
});
