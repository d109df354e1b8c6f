import type { Clock } from '../util/clock.js';
import { isRetryable, RetryableError } from './errors.js';

/**
 * Retry with exponential backoff and jitter on retryable failures (429, 5xx, network), every
 * wait through the injected Clock. The server's Retry-After is a floor for the next wait.
 */
export interface RetryPolicy {
  /** Attempts in all (1 = no retry). Default 5. */
  maxAttempts: number;
  /** First backoff. Default 200 ms. */
  baseDelayMs: number;
  /** Cap of one backoff. Default 5 s. */
  maxDelayMs: number;
  /** Growth per attempt. Default 2. */
  factor: number;
  /** Share of each delay drawn at random: delay * (1 - jitter + jitter * random()). Default 0.5. */
  jitter: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5000, factor: 2, jitter: 0.5 };

export interface RetryOptions {
  clock: Clock;
  policy?: Partial<RetryPolicy>;
  random?: () => number;
  signal?: AbortSignal;
  retryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** The wait before retry number `attempt` (1-based), without Retry-After. Pure. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (attempt - 1));
  return Math.round(exponential * (1 - policy.jitter + policy.jitter * random));
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = { ...defaultRetryPolicy, ...options.policy };
  const retryable = options.retryable ?? isRetryable;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !retryable(error) || options.signal?.aborted) throw error;
      const floor = error instanceof RetryableError ? (error.retryAfterMs ?? 0) : 0;
      const delay = Math.min(Math.max(backoffDelay(policy, attempt, random()), floor), Math.max(policy.maxDelayMs, floor));
      options.onRetry?.(error, attempt, delay);
      await options.clock.sleep(delay, options.signal);
    }
  }
}
