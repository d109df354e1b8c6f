import { describe, expect, it } from 'vitest';
import { longLivedBlock } from '../../../src/probe/long-lived/block.js';

describe('longLivedBlock', () => {
  it('counts ends by kind, takes the largest detection time of timeouts, lists connections by id', () => {
    const block = longLivedBlock(
      [
        { id: 3, version: 'v1', openedAt: 0, endedAt: 9, end: 'timeout', detectionMs: 2900 },
        { id: 1, version: 'v1', openedAt: 0, endedAt: 5, end: 'timeout', detectionMs: 2400 },
        { id: 4, version: 'v2', openedAt: 0, endedAt: 7, end: 'drained' },
      ],
      [{ id: 2, version: 'v2', openedAt: 0, endedAt: null, end: null }],
      42,
    );
    expect(block.open).toBe(1);
    expect(block.heartbeats).toBe(42);
    expect(block.ends).toEqual({ drained: 1, closed: 0, reset: 0, timeout: 2, corrupt: 0, refused: 0 });
    expect(block.maxDetectionMs).toBe(2900);
    expect(block.connections.map((c) => c.id)).toEqual([1, 2, 3, 4]);
  });
});
