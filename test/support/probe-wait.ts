// Waiting helpers for prober tests that mix real sockets with a clock.
import type { ManualClock } from '../../src/util/manual-clock.js';

/** Poll `condition` in real time until it holds; throws after `timeoutMs` with `what`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Move a ManualClock forward in steps, letting real socket I/O settle between steps, until
 * `condition` holds; returns the manual time it took. Manual time stands still while real I/O
 * happens, so bounds on it do not depend on how busy the machine is.
 */
export async function advanceUntil(
  clock: ManualClock,
  condition: () => boolean,
  options: { stepMs: number; maxMs: number; settleMs?: number },
): Promise<number> {
  const start = clock.now();
  while (!condition()) {
    if (clock.now() - start >= options.maxMs) throw new Error(`condition not met within ${options.maxMs} ms of manual time`);
    await clock.advance(options.stepMs);
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 10));
  }
  return clock.now() - start;
}
