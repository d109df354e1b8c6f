import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../src/probe/new-connections/pacer.js';

describe('Pacer', () => {
  it('allows one start per 1000/rate ms from the first start, catching up after falling behind', () => {
    const p = new Pacer(50); // one per 20 ms
    expect(p.due(1000)).toBe(1);
    p.take(1000);
    expect(p.due(1019)).toBe(0);
    expect(p.nextAt(1019)).toBe(1020);
    expect(p.due(1020)).toBe(1);
    p.take(1020);
    expect(p.due(1100)).toBe(4); // 6 due by 1100 ms at 50/s, 2 taken
  });

  it('does not pace at rate 0 or Infinity', () => {
    for (const rate of [0, Infinity]) {
      const p = new Pacer(rate);
      p.take(0);
      expect(p.unpaced).toBe(true);
      expect(p.due(0)).toBe(Infinity);
    }
  });
});
