// The blocks of a multi-port shift's probes merged into the step's blocks.
import { describe, expect, it } from 'vitest';
import { mergeLongLived, mergeNewConnections } from '../../src/probe/index.js';
import { ended, longLived, newConnections, open } from '../support/shift-fixtures.js';

describe('merging the probe blocks of several match ports', () => {
  it('sums new connections, recomputes the canary share and its interval, keeps the slowest latencies and the worst split', () => {
    const a = { ...newConnections({ ok: 100, canary: 20, split: { decision: 'consistent', samples: 100 } }), connectMs: { p50: 1, p99: 9 } };
    const b = { ...newConnections({ ok: 300, canary: 100, failed: { reset: 4 }, split: { decision: 'inconsistent', samples: 300 } }), connectMs: { p50: 2, p99: 5 } };
    const merged = mergeNewConnections([a, b], 0.99)!;
    expect(merged).toMatchObject({ attempted: 404, succeeded: 400, failed: 4, byVersion: { v1: 280, v2: 120 }, observedCanaryShare: 0.3, connectMs: { p50: 2, p99: 9 } });
    expect(merged.failuresByKind.reset).toBe(4);
    expect(merged.split).toMatchObject({ decision: 'inconsistent', samples: 400 });
    expect(merged.interval[0]).toBeLessThan(0.3);
    expect(merged.interval[1]).toBeGreaterThan(0.3);
    expect(mergeNewConnections([], 0.99)).toBeUndefined();
  });

  it('sums long-lived counts and tags each connection with its port (ids repeat across ports)', () => {
    const merged = mergeLongLived([
      { matchPort: 9000, block: longLived([open(1), ended(2, 'drained', 5)]) },
      { matchPort: 9001, block: { ...longLived([open(1), ended(2, 'reset', 7)]), maxDetectionMs: 1200 } },
    ]);
    expect(merged).toMatchObject({ open: 2, heartbeats: 20, maxDetectionMs: 1200 });
    expect(merged.ends).toMatchObject({ drained: 1, reset: 1 });
    expect(merged.connections.map((c) => [c.port, c.id, c.end])).toEqual([[9000, 1, null], [9000, 2, 'drained'], [9001, 1, null], [9001, 2, 'reset']]);
  });
});
