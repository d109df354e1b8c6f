import { describe, expect, it } from 'vitest';
import { simulateSplitTest } from '../../../src/probe/stats/simulate.js';
import { fixedSampleSize, SequentialSplitTest, type SplitTestOptions } from '../../../src/probe/stats/sprt.js';

const base = { tolerance: 0.05, confidence: 0.99, maxSamples: 100_000 };

function feed(test: SequentialSplitTest, canary: number, stable: number): string {
  let state: string = test.state;
  for (let i = 0; i < canary; i++) state = test.add(true);
  for (let i = 0; i < stable; i++) state = test.add(false);
  return state;
}

describe('SequentialSplitTest on known sequences', () => {
  it('calls a canary sample decisive when the target share is 0', () => {
    const test = new SequentialSplitTest({ ...base, targetShare: 0 });
    expect(feed(test, 0, 10)).toBe('running');
    expect(test.add(true)).toBe('inconsistent');
    expect(test.samples).toBe(11);
    expect(test.canary).toBe(1);
  });

  it('needs (1 - delta)^n <= beta stable-only samples to call share 0 consistent', () => {
    const test = new SequentialSplitTest({ ...base, targetShare: 0 });
    // (0.95)^n <= 0.01 / 0.99 ... Wald's lower threshold log(beta / (1 - alpha)) gives n = 90.
    expect(feed(test, 0, 89)).toBe('running');
    expect(test.add(false)).toBe('consistent');
  });

  it('mirrors at target share 1: one stable sample is decisive', () => {
    const test = new SequentialSplitTest({ ...base, targetShare: 1 });
    expect(feed(test, 30, 0)).toBe('running');
    expect(test.add(false)).toBe('inconsistent');
  });

  it('decides inconsistent quickly when the share is far off', () => {
    const test = new SequentialSplitTest({ ...base, targetShare: 0.5 });
    let n = 0;
    while (test.state === 'running') { test.add(n % 10 === 0); n++; } // 10 % canary
    expect(test.state).toBe('inconsistent');
    expect(test.samples).toBeLessThan(150);
  });

  it('stops with undecided at the sample cap', () => {
    const test = new SequentialSplitTest({ ...base, targetShare: 0.5, maxSamples: 40 });
    expect(feed(test, 20, 20)).toBe('undecided');
    expect(test.add(true)).toBe('undecided');
    expect(test.samples).toBe(40);
  });

  it('ignores samples after a decision', () => {
    const test = new SequentialSplitTest({ ...base, targetShare: 0 });
    test.add(true);
    test.add(false);
    expect(test.samples).toBe(1);
  });

  it('rejects options outside their ranges', () => {
    expect(() => new SequentialSplitTest({ ...base, targetShare: 1.2 })).toThrow(/targetShare/);
    expect(() => new SequentialSplitTest({ ...base, targetShare: 0.5, tolerance: 0 })).toThrow(/tolerance/);
    expect(() => new SequentialSplitTest({ ...base, targetShare: 0.5, confidence: 1 })).toThrow(/confidence/);
    expect(() => new SequentialSplitTest({ ...base, targetShare: 0.5, maxSamples: 0 })).toThrow(/maxSamples/);
  });
});

describe('SequentialSplitTest error rates by simulation (seeded)', () => {
  const runs = 1500;
  // Nominal rates at confidence 0.99 are 1 %; bounds are generous (3 %) against simulation noise.
  const bound = 0.03;

  it.each([0, 0.1, 0.25, 0.5, 0.75, 1])('rarely calls a right split (p = p0 = %s) inconsistent', (p0) => {
    const r = simulateSplitTest({ ...base, targetShare: p0 }, p0, runs, 11);
    expect(r.decisions.undecided).toBe(0);
    expect(r.decisions.inconsistent / runs).toBeLessThanOrEqual(bound);
  });

  it.each([
    [0, 0.05],
    [0.1, 0.15],
    [0.1, 0.05],
    [0.5, 0.45],
    [0.5, 0.55],
    [0.9, 0.85],
    [1, 0.95],
  ])('rarely calls a split off by delta (p0 = %s, p = %s) consistent', (p0, p) => {
    const r = simulateSplitTest({ ...base, targetShare: p0 }, p, runs, 23);
    expect(r.decisions.consistent / runs).toBeLessThanOrEqual(bound);
  });

  it('uses fewer samples on average than the fixed-size test with the same error rates', () => {
    for (const p0 of [0.1, 0.25, 0.5]) {
      const options: SplitTestOptions = { ...base, targetShare: p0 };
      const fixed = fixedSampleSize(options);
      for (const p of [p0 - 0.05, p0, p0 + 0.05]) {
        expect(simulateSplitTest(options, p, 300, 5).meanSamples).toBeLessThan(fixed);
      }
    }
  });

  it('is reproducible for a seed', () => {
    const options = { ...base, targetShare: 0.25 };
    expect(simulateSplitTest(options, 0.27, 50, 3)).toEqual(simulateSplitTest(options, 0.27, 50, 3));
  });
});

describe('fixedSampleSize', () => {
  it('matches the textbook formula', () => {
    // n = ((z_{0.995} sqrt(.25) + z_{0.99} sqrt(.2475)) / 0.05)^2 = (2.5758 * 0.5 + 2.3263 * 0.49749)^2 / 0.0025
    expect(fixedSampleSize({ targetShare: 0.5, tolerance: 0.05, confidence: 0.99 })).toBe(2392);
    expect(fixedSampleSize({ targetShare: 0, tolerance: 0.05, confidence: 0.99 })).toBe(90);
  });
});
