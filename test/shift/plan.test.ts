import { describe, expect, it } from 'vitest';
import { simulateSplitTest } from '../../src/probe/index.js';
import { configSettleMs, drainWindow, expectedSplitSamples, minimumBakeForDrain, planWarnings, reconnectPlan } from '../../src/shift/index.js';
import { shiftFor } from '../support/shift-fixtures.js';

describe('drain window', () => {
  it('is centred on the drain deadline, with a late margin for the configuration push', () => {
    expect(drainWindow(1000, 45_000)).toEqual([1000 + 45_000 - 4500, 1000 + 45_000 + 11_250]);
    expect(drainWindow(0, 2000)).toEqual([1800, 3000]);
  });

  it('never starts before the change, even for a zero drain', () => {
    expect(drainWindow(500, 0)).toEqual([500, 1500]);
    expect(drainWindow(500, 100)[0]).toBe(500);
  });

  it('on a slow API opens from the send and closes from the acknowledgement: the commit, which starts the drain, lies between', () => {
    // 2 s each way: sent at 0, committed at ~2000 (the gateway drains at ~2300), acknowledged at 4000.
    const [from, to] = drainWindow(4000, 300, 0);
    expect(from).toBeLessThanOrEqual(2300);
    expect(to).toBeGreaterThanOrEqual(4000 + 300);
    // Anchored at the acknowledgement alone, the same drain close fell before the window (the false rollback).
    expect(drainWindow(4000, 300)[0]).toBeGreaterThan(2300);
  });

  it('a reset right after a weight change is outside the window (breakage, not a drain)', () => {
    const [from] = drainWindow(0, 300);
    expect(from).toBeGreaterThan(50);
  });
});

describe('configuration settle time', () => {
  it('is 10 % of the bake, between 250 ms and 5 s', () => {
    expect(configSettleMs(1500)).toBe(250);
    expect(configSettleMs(10_000)).toBe(1000);
    expect(configSettleMs(60_000)).toBe(5000);
  });
});

describe('expected samples of the split test', () => {
  it('agrees within 10 % with an independent simulation (other seed, more runs)', () => {
    for (const p0 of [0.2, 0.5, 0.9]) {
      const expected = expectedSplitSamples(p0, 0.05, 0.99);
      const simulated = simulateSplitTest({ targetShare: p0, tolerance: 0.05, confidence: 0.99, maxSamples: 100_000 }, p0, 1500, 7);
      expect(Math.abs(simulated.meanSamples - expected) / expected).toBeLessThan(0.1);
    }
  });

  it('needs several hundred samples at 20 % (tolerance 0.05, confidence 0.99), exactly 90 at 100 %', () => {
    expect(expectedSplitSamples(0.2, 0.05, 0.99)).toBeGreaterThan(600);
    expect(expectedSplitSamples(0.2, 0.05, 0.99)).toBeLessThan(1000);
    expect(expectedSplitSamples(1, 0.05, 0.99)).toBe(90);
  });
});

describe('plan warnings', () => {
  it('warns when a bake is shorter than the drain plus margin under tolerate-drain, and says how long it should be', () => {
    const spec = shiftFor({ 'spec.schedule.bake': '30s', 'spec.analysis.drainDuration': '45s' }).spec;
    const warning = planWarnings(spec).find((w) => w.includes('drainDuration'));
    expect(warning).toMatch(/bake 30s < drainDuration 45s \+ margin 11.25s/);
    expect(warning).toContain('use bake >= 56.25s');
    expect(minimumBakeForDrain(45_000)).toBe(56_250);
  });

  it('does not warn about the drain when the bake covers it, or without long-lived probes', () => {
    expect(planWarnings(shiftFor({ 'spec.schedule.bake': '4s' }).spec).some((w) => w.includes('drainDuration'))).toBe(false);
    const none = shiftFor({ 'spec.schedule.bake': '1s', 'spec.probe.longLived.connections': 0 }).spec;
    expect(planWarnings(none).some((w) => w.includes('drainDuration'))).toBe(false);
  });

  it('warns that the default perStep (200) is too few for a decided split', () => {
    const spec = shiftFor({ 'spec.probe.newConnections.perStep': 200 }).spec;
    expect(planWarnings(spec).find((w) => w.includes('perStep'))).toMatch(/perStep 200 is below the ~\d+ identified samples .* \(steps 20%, 50%\)/);
    expect(planWarnings(shiftFor({ 'spec.probe.newConnections.perStep': 2000 }).spec).some((w) => w.includes('perStep'))).toBe(false);
  });

  it('warns when preserve cannot be verified because the shift ends before the first drain', () => {
    const spec = shiftFor({ 'spec.analysis.existingConnections': 'preserve', 'spec.schedule.bake': '5s', 'spec.analysis.drainDuration': '45s' }).spec;
    expect(planWarnings(spec).some((w) => w.includes('preserve is not verified'))).toBe(true);
  });

  it('counts one reconnect wave per weight change (a promotion write included)', () => {
    expect(reconnectPlan(shiftFor().spec)).toMatch(/^3 weight changes = 3 reconnect waves/);
    expect(reconnectPlan(shiftFor({ 'spec.schedule.steps': [50] }).spec)).toMatch(/^2 weight changes/);
  });
});
