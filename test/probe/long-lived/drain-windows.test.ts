import { describe, expect, it } from 'vitest';
import { classifyEnd } from '../../../src/probe/index.js';

describe('classifyEnd: drain vs breakage', () => {
  const change = { atEpochMs: 10_000, drainWindowMs: 45_000 };

  it.each([
    ['closed', 5_000, 10_000, 'drained'],
    ['reset', 5_000, 55_000, 'drained'],
    ['closed', 5_000, 55_001, 'closed'],
    ['closed', 5_000, 9_999, 'closed'],
    ['reset', 10_001, 20_000, 'reset'],
    ['timeout', 5_000, 20_000, 'timeout'],
    ['corrupt', 5_000, 20_000, 'corrupt'],
    ['refused', 5_000, 20_000, 'refused'],
  ] as const)('%s of a connection opened at %i, ended at %i -> %s', (kind, openedAt, endedAt, expected) => {
    expect(classifyEnd(kind, openedAt, endedAt, [change])).toBe(expected);
  });

  it('uses any of several announced changes, and none means no drain', () => {
    const later = { atEpochMs: 100_000, drainWindowMs: 1_000 };
    expect(classifyEnd('closed', 0, 100_500, [change, later])).toBe('drained');
    expect(classifyEnd('closed', 0, 101_500, [change, later])).toBe('closed');
    expect(classifyEnd('closed', 0, 20_000, [])).toBe('closed');
  });
});
