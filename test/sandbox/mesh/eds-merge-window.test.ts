// When an EDS update reaches new connections: Envoy's update_merge_window, on a ManualClock.
import { describe, expect, it } from 'vitest';
import { EdsMergeWindow } from '../../../src/sandbox/mesh/eds-merge-window.js';
import type { ClusterLoadAssignment } from '../../../src/sandbox/mesh/load-assignment.js';
import { contentHash, type EndpointResource } from '../../../src/sandbox/mesh/xds-snapshot.js';
import { ManualClock } from '../../../src/util/manual-clock.js';

const WINDOW = 1000;
const resource = (weights: Record<string, number>, hostsPerLocality = 1): EndpointResource => {
  const assignment: ClusterLoadAssignment = {
    cluster: 'c',
    localities: Object.entries(weights).map(([locality, weight], li) => ({
      locality,
      weight,
      endpoints: Array.from({ length: hostsPerLocality }, (_, i) => ({ pod: `${locality}-${i}`, namespace: 'ns', labels: {}, address: '127.0.0.1', port: 1000 + li * 10 + i, locality })),
    })),
  };
  return { assignment, hash: contentHash(assignment) };
};
const weightOf = (window: EdsMergeWindow, locality: string): number | undefined => window.delivered('c')?.localities.find((l) => l.locality === locality)?.weight;

function setup(): { clock: ManualClock; window: EdsMergeWindow; deliveries: string[] } {
  const clock = new ManualClock();
  const deliveries: string[] = [];
  return { clock, window: new EdsMergeWindow(clock, WINDOW, (c) => deliveries.push(c)), deliveries };
}

describe('EDS merge window', () => {
  it('delivers the first assignment at once, and a weight change after a quiet window at once', async () => {
    const { clock, window, deliveries } = setup();
    window.offer('c', resource({ a: 50, b: 50 }));
    expect(weightOf(window, 'b')).toBe(50);
    await clock.advance(WINDOW + 1);
    window.offer('c', resource({ a: 10, b: 90 }));
    expect(weightOf(window, 'b')).toBe(90);
    expect(deliveries).toEqual(['c', 'c']);
  });

  it('holds a weight change within the window until one window after it, merging later ones', async () => {
    const { clock, window, deliveries } = setup();
    window.offer('c', resource({ a: 50, b: 50 }));
    await clock.advance(300);
    window.offer('c', resource({ a: 40, b: 60 }));
    await clock.advance(500);
    window.offer('c', resource({ a: 20, b: 80 }));
    expect(weightOf(window, 'b')).toBe(50);
    await clock.advance(WINDOW - 501);
    expect(weightOf(window, 'b')).toBe(50);
    await clock.advance(1);
    expect(weightOf(window, 'b')).toBe(80);
    expect(deliveries).toHaveLength(2);
  });

  it('delivers an update that adds or removes hosts at once, cancelling a held one', async () => {
    const { clock, window } = setup();
    window.offer('c', resource({ a: 50, b: 50 }));
    window.offer('c', resource({ a: 40, b: 60 }));
    expect(weightOf(window, 'b')).toBe(50);
    window.offer('c', resource({ a: 40, b: 60 }, 2));
    expect(window.delivered('c')?.localities[1]?.endpoints).toHaveLength(2);
    expect(weightOf(window, 'b')).toBe(60);
    await clock.advance(WINDOW * 2);
    expect(weightOf(window, 'b')).toBe(60);
  });

  it('an assignment equal to the latest one is a no-op; a forgotten cluster starts afresh', async () => {
    const { clock, window, deliveries } = setup();
    window.offer('c', resource({ a: 50, b: 50 }));
    window.offer('c', resource({ a: 50, b: 50 }));
    expect(deliveries).toHaveLength(1);
    // Held, then the cluster is replaced (CDS): the held update is never delivered.
    window.offer('c', resource({ a: 40, b: 60 }));
    window.forget('c');
    expect(window.delivered('c')).toBeUndefined();
    window.offer('c', resource({ a: 30, b: 70 }));
    expect(weightOf(window, 'b')).toBe(70);
    await clock.advance(WINDOW * 2);
    expect(deliveries).toHaveLength(2);
  });

  it('a window of 0 delivers every update at once', () => {
    const clock = new ManualClock();
    const window = new EdsMergeWindow(clock, 0, () => undefined);
    window.offer('c', resource({ a: 50, b: 50 }));
    window.offer('c', resource({ a: 1, b: 99 }));
    expect(weightOf(window, 'b')).toBe(99);
  });
});
