import { describe, expect, it } from 'vitest';
import { percentile, summarize } from '../../../src/probe/stats/quantiles.js';

describe('percentiles', () => {
  it('uses the nearest rank, whatever the input order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeUndefined();
  });

  it('summarises p50/p99 rounded to hundredths, null when empty', () => {
    expect(summarize([1.234, 2.345, 3.456])).toEqual({ p50: 2.35, p99: 3.46 });
    expect(summarize([])).toEqual({ p50: null, p99: null });
  });

  it('lets one slow outlier move p99 but not p50', () => {
    const values = [...Array.from({ length: 99 }, () => 1), 500];
    expect(summarize(values)).toEqual({ p50: 1, p99: 1 });
    expect(summarize([...values, 500])).toEqual({ p50: 1, p99: 500 });
  });
});
