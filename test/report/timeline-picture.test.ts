// timeline.svg as a user sees it: rendered to PNG by rsvg-convert (Debian librsvg2-bin), then
// pixels checked where the new-connection failures, the breach marker, the pause, the step labels
// and the final weights must be, the fault marker (line, diamond, label), and that nothing touches
// the right edge (no clipped label).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderTimelineSvg, type ShiftReport, type StepReport } from '../../src/report/index.js';
import { FAILURES, H, PLOT, scaleFor, STEP_LABEL_Y, textWidth, W } from '../../src/report/timeline-layout.js';
import { MARKER_LABEL_Y } from '../../src/report/timeline-markers.js';
import { decodePng, type Picture } from '../support/png.js';
import { programOrSkip } from '../support/require-program.js';
import { longLived, newConnections, T0 } from '../support/shift-fixtures.js';

const rsvg = programOrSkip('rsvg-convert', 'librsvg2-bin');

function step(index: number, targetWeight: number, startedAt: number, endedAt: number, extra: Partial<StepReport> = {}): StepReport {
  return { index, targetWeight, startedAt, endedAt, verdict: 'ok', reasons: [], notes: [], reconnectWave: 0, drainWindow: null, newConnections: newConnections({ split: {} }), longLived: longLived([]), ...extra };
}

const FAULT_TEXT = 'fault blackhole on the v2 pods (canary 50%)';

/** 10 % ok, 25 % paused for 20 s then baked again, a fault switched on at 50 %, broken by 16 timeouts: rolled back. */
function brokenShift(): ShiftReport {
  const s1 = step(0, 10, T0, T0 + 10_000);
  const paused = step(1, 25, T0 + 10_000, T0 + 14_000, { verdict: 'interrupted', reasons: ['paused by alice'] });
  const s2 = step(1, 25, T0 + 34_000, T0 + 44_000);
  const breach = step(2, 50, T0 + 44_000, T0 + 50_000, {
    verdict: 'breach', reasons: ['16 of 300 new connections failed (16 timeout)'], newConnections: newConnections({ failed: { timeout: 16 } }),
  });
  return {
    name: 'a-service-with-a-rather-long-name', namespace: 'payments-production', target: 'VirtualService payments-production/a-service-with-a-rather-long-name-gateway-route',
    outcome: 'rolled-back', startedAt: T0, endedAt: T0 + 50_400, finalWeights: { stable: 100, canary: 0 }, originalWeights: { stable: 100, canary: 0 },
    schedule: { steps: [10, 25, 50, 100], bakeMs: 10_000 }, steps: [s1, paused, s2, breach],
    rollback: { reason: 'breach', cause: 'breach', detectedAt: T0 + 50_000, restoredAt: T0 + 50_030, detectionToRestoreMs: 30 }, warnings: [],
    markers: [{ kind: 'fault', at: T0 + 44_500, text: FAULT_TEXT }],
  };
}

const ink = ([r, g, b, a]: number[]): boolean => (a as number) > 64 && ((r as number) < 200 || (g as number) < 200 || (b as number) < 200);
const red = ([r, g, b]: number[]): boolean => (r as number) > 150 && (g as number) < 110 && (b as number) < 110;
const purple = ([r, g, b]: number[]): boolean => (r as number) > 90 && (r as number) < 180 && (g as number) < 130 && (b as number) > 170;
const yellowish = ([r, g, b]: number[]): boolean => (r as number) > 230 && (g as number) > 220 && (b as number) < 215;

function anyIn(picture: Picture, box: { x0: number; x1: number; y0: number; y1: number }, test: (p: number[]) => boolean): boolean {
  for (let y = Math.max(0, box.y0); y <= Math.min(picture.height - 1, box.y1); y++) {
    for (let x = Math.max(0, box.x0); x <= Math.min(picture.width - 1, box.x1); x++) if (test(picture.pixel(x, y))) return true;
  }
  return false;
}

describe.skipIf(!rsvg)('timeline.svg rendered by rsvg-convert', () => {
  const report = brokenShift();
  const svg = renderTimelineSvg(report);
  const picture = decodePng(execFileSync(rsvg as string, ['--format', 'png'], { input: svg, maxBuffer: 64 << 20 }));
  const s = scaleFor(report);
  const breach = report.steps[3] as StepReport;

  it('is the canvas size, white at the right edge: no label runs off it', () => {
    expect([picture.width, picture.height]).toEqual([W, H]);
    expect(anyIn(picture, { x0: W - 3, x1: W - 1, y0: 0, y1: H - 1 }, ink)).toBe(false);
  });

  it('draws the new-connection failures of the broken step as a red bar in the failures lane, and none for the steps without', () => {
    const mid = Math.round((s.x(breach.startedAt) + s.x(breach.endedAt)) / 2);
    expect(red(picture.pixel(mid, FAILURES.bottom - 3))).toBe(true);
    const first = report.steps[0] as StepReport;
    const quiet = Math.round((s.x(first.startedAt) + s.x(first.endedAt)) / 2);
    expect(anyIn(picture, { x0: quiet - 5, x1: quiet + 5, y0: FAILURES.top, y1: FAILURES.bottom - 2 }, red)).toBe(false);
  });

  it('marks the breach with a red triangle above the plot where it was called', () => {
    expect(red(picture.pixel(s.x(breach.endedAt), PLOT.top - 4))).toBe(true);
  });

  it('marks when the fault was switched on: a purple line through the plot and the lanes, a diamond above the plot, its label beside it and inside the canvas', () => {
    const x = Math.round(s.x((report.markers ?? [])[0]!.at));
    expect(purple(picture.pixel(x, PLOT.top + 100))).toBe(true);
    expect(purple(picture.pixel(x, FAILURES.top + 10))).toBe(true);
    expect(purple(picture.pixel(x, PLOT.top - 8))).toBe(true);
    // nowhere else in the plot: the line stands where the fault began
    expect(anyIn(picture, { x0: PLOT.left + 2, x1: x - 8, y0: PLOT.top + 100, y1: PLOT.top + 100 }, purple)).toBe(false);
    // the label is too long to start at the line this near the right edge: it ends there instead, drawn on the left
    const width = textWidth(FAULT_TEXT);
    expect(anyIn(picture, { x0: x - width, x1: x - 10, y0: MARKER_LABEL_Y - 10, y1: MARKER_LABEL_Y + 2 }, purple)).toBe(true);
  });

  it('shades the pause from the interrupted step to the step baked again', () => {
    const pause = report.steps[1] as StepReport;
    const mid = (s.x(pause.endedAt) + s.x((report.steps[2] as StepReport).startedAt)) / 2;
    expect(yellowish(picture.pixel(mid, PLOT.top + 60))).toBe(true);
  });

  it('labels every step above the plot and shows the weights after the rollback right of it', () => {
    for (const record of report.steps) {
      const x = Math.round(s.x(record.startedAt));
      expect(anyIn(picture, { x0: x + 2, x1: x + 20, y0: STEP_LABEL_Y - 22, y1: STEP_LABEL_Y + 2 }, ink), `label of step ${record.index + 1}`).toBe(true);
    }
    expect(anyIn(picture, { x0: PLOT.right + 8, x1: W - 4, y0: s.y(0) - 8, y1: s.y(0) + 8 }, ink)).toBe(true);
    expect(anyIn(picture, { x0: PLOT.right + 8, x1: W - 4, y0: s.y(1) - 8, y1: s.y(1) + 8 }, ink)).toBe(true);
  });
});

describe('timeline.svg structure', () => {
  const report = brokenShift();
  const svg = renderTimelineSvg(report);
  const texts = [...svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].map((m) => ({ attrs: m[1] as string, text: m[2] as string }));
  const attr = (attrs: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)?.[1];

  it('keeps every label inside the canvas by its estimated width', () => {
    for (const { attrs, text } of texts) {
      const x = Number(attr(attrs, 'x'));
      const size = Number(attr(attrs, 'font-size') ?? 11);
      const width = textWidth(text.replace(/&[a-z]+;/g, '_'), size);
      const anchor = attr(attrs, 'text-anchor') ?? 'start';
      const [from, to] = anchor === 'end' ? [x - width, x] : anchor === 'middle' ? [x - width / 2, x + width / 2] : [x, x + width];
      expect(from, text).toBeGreaterThanOrEqual(0);
      expect(to, text).toBeLessThanOrEqual(W);
    }
  });

  it('has a label per step record, numbered from 1, the failures count with its kind, and the final weights', () => {
    expect(texts.filter((t) => t.attrs.includes('step-label')).map((t) => t.text)).toEqual(['1: 10%', '2: 25% interrupted', '2: 25%', '3: 50% breach']);
    expect(texts.map((t) => t.text)).toEqual(expect.arrayContaining(['16 timeout', 'canary 0', 'stable 100', 'paused']));
    expect(svg).toContain('<title>step 3: 16 of 116 new connections failed</title>');
    expect(texts.filter((t) => t.text === FAULT_TEXT)).toHaveLength(1);
    expect(svg).toMatch(/<g class="marker-fault"><title>fault at 2026-[^<]*: fault blackhole on the v2 pods \(canary 50%\)<\/title>/);
  });
});
