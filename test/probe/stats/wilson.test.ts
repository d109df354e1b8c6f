import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../../src/probe/stats/wilson.js';

describe('wilsonInterval', () => {
  // Reference values computed independently (Python, statistics.NormalDist); the last three are
  // Newcombe (1998) Table I examples, which give the same bounds to four places.
  it.each([
    [5, 10, 0.95, 0.236593, 0.763407],
    [0, 10, 0.95, 0, 0.277533],
    [10, 10, 0.95, 0.722467, 1],
    [81, 263, 0.95, 0.255289, 0.36621],
    [15, 148, 0.95, 0.062386, 0.160487],
    [1, 29, 0.95, 0.006113, 0.171755],
  ])('%i of %i at %s -> [%s, %s]', (k, n, c, lo, hi) => {
    const [l, h] = wilsonInterval(k, n, c);
    expect(l).toBeCloseTo(lo, 5);
    expect(h).toBeCloseTo(hi, 5);
  });

  it('widens with confidence and narrows with samples', () => {
    const [lo95, hi95] = wilsonInterval(50, 100, 0.95);
    const [lo99, hi99] = wilsonInterval(50, 100, 0.99);
    const [lo1k, hi1k] = wilsonInterval(500, 1000, 0.95);
    expect(hi99 - lo99).toBeGreaterThan(hi95 - lo95);
    expect(hi1k - lo1k).toBeLessThan(hi95 - lo95);
  });

  it('says nothing is known without trials', () => {
    expect(wilsonInterval(0, 0, 0.99)).toEqual([0, 1]);
  });

  it('rejects impossible counts and confidences', () => {
    expect(() => wilsonInterval(3, 2, 0.95)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2, 0.95)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 2, 0.95)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 1)).toThrow(RangeError);
  });
});
