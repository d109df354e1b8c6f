import { SequentialSplitTest, type SplitDecision, type SplitTestOptions } from './sprt.js';

/** A small seeded PRNG (mulberry32): uniform in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimulationResult {
  runs: number;
  decisions: Record<SplitDecision, number>;
  meanSamples: number;
  maxSamples: number;
}

/**
 * Run the sequential split test `runs` times on simulated samples whose true canary share is
 * `trueShare`: how often it decides what, and after how many samples. Used by the tests that
 * check the error rates and by the `sequential` benchmark.
 */
export function simulateSplitTest(options: SplitTestOptions, trueShare: number, runs: number, seed: number): SimulationResult {
  const random = seededRandom(seed);
  const decisions: Record<SplitDecision, number> = { consistent: 0, inconsistent: 0, undecided: 0 };
  let total = 0;
  let most = 0;
  for (let i = 0; i < runs; i++) {
    const test = new SequentialSplitTest(options);
    let state = test.state;
    while (state === 'running') state = test.add(random() < trueShare);
    decisions[state]++;
    total += test.samples;
    most = Math.max(most, test.samples);
  }
  return { runs, decisions, meanSamples: total / runs, maxSamples: most };
}
