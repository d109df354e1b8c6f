/**
 * Geometry of timeline.svg, shared by its parts: the canvas, the weight plot, the lanes below it
 * (new-connection failures per step, long-lived ends), the time scale, and a text width estimate
 * that keeps labels inside the canvas (nothing clipped at the right edge).
 */
import type { ShiftReport } from './types.js';

export const W = 960;
export const H = 560;
/** The weight plot; the band above it (STEP_LABEL_Y) carries the step labels. */
export const PLOT = { left: 64, right: 860, top: 72, bottom: 300 };
export const STEP_LABEL_Y = 58;
/** New-connection failures per step: bars grow up from FAILURES.bottom. */
export const FAILURES = { top: 336, bottom: 392 };
export const LANE_Y = 426;
/** Right of the plot: the final weights, anchored at the plot's right edge. */
export const AFTER_X = PLOT.right + 8;

export interface Scale {
  x(t: number): number;
  y(share: number): number;
  t0: number;
  t1: number;
}

export function scaleFor(report: ShiftReport): Scale {
  const t0 = report.startedAt;
  const t1 = Math.max(report.endedAt, t0 + 1);
  return {
    t0,
    t1,
    x: (t) => PLOT.left + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * (PLOT.right - PLOT.left),
    y: (share) => PLOT.bottom - share * (PLOT.bottom - PLOT.top),
  };
}

export const n = (v: number): string => v.toFixed(1);

/** Rough advance of a sans-serif label (DejaVu Sans is the widest common fallback: ~0.62 em). */
export function textWidth(text: string, fontSize = 11): number {
  return text.length * fontSize * 0.62;
}

/** x and anchor that keep a label starting at x inside [min, max]. */
export function keepInside(x: number, text: string, min = 4, max = W - 4, fontSize = 11): { x: number; anchor: 'start' | 'end' } {
  const width = textWidth(text, fontSize);
  if (x + width <= max) return { x: Math.max(min, x), anchor: 'start' };
  return { x: Math.min(max, Math.max(min + width, x)), anchor: 'end' };
}
