import { twoSidedZ } from './normal.js';

/**
 * Wilson score interval for a binomial proportion: `successes` out of `trials` at the two-sided
 * `confidence`. Unlike the normal (Wald) interval it stays inside [0, 1] and behaves at 0 and n.
 * With no trials nothing is known: [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, confidence: number): [number, number] {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval: need integers 0 <= successes <= trials, got ${successes}/${trials}`);
  }
  if (trials === 0) return [0, 1];
  const z = twoSidedZ(confidence);
  const z2 = z * z;
  const p = successes / trials;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  const lo = successes === 0 ? 0 : Math.max(0, centre - half);
  const hi = successes === trials ? 1 : Math.min(1, centre + half);
  return [lo, hi];
}
