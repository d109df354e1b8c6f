/**
 * Outside events on timeline.svg (report `markers`): a vertical line through the plot and the
 * lanes at the event's time, a diamond above the plot, and its label inside the plot
 * on a white halo (it crosses the weight lines), kept inside the canvas. The demo's `--fault` is one: when the fault was switched on.
 */
import { escapeXml } from './format.js';
import { keepInside, LANE_Y, n, PLOT, type Scale } from './timeline-layout.js';
import type { ShiftReport } from './types.js';

export const FAULT_COLOR = '#8250df';

/** Where a marker's label goes: below the pause (top + 14) and rollback labels (top + 28, + 40). */
export const MARKER_LABEL_Y = PLOT.top + 56;

export function faultMark(x: number, y: number): string {
  return `<path d="M${n(x)},${n(y - 6)}L${n(x + 6)},${n(y)}L${n(x)},${n(y + 6)}L${n(x - 6)},${n(y)}Z" fill="${FAULT_COLOR}"/>`;
}

export function eventMarkers(report: ShiftReport, s: Scale): string[] {
  return (report.markers ?? []).map((marker, i) => {
    const x = s.x(marker.at);
    const text = marker.text;
    const place = keepInside(x + 4, text);
    const y = MARKER_LABEL_Y + (i % 3) * 13;
    return (
      `<g class="marker-${marker.kind}"><title>${escapeXml(`${marker.kind} at ${new Date(marker.at).toISOString()}: ${text}`)}</title>` +
      `<line x1="${n(x)}" y1="${PLOT.top - 6}" x2="${n(x)}" y2="${LANE_Y + 10}" stroke="${FAULT_COLOR}" stroke-width="2"/>` +
      faultMark(x, PLOT.top - 8) +
      `<text x="${n(place.x)}" y="${y}" text-anchor="${place.anchor}" fill="${FAULT_COLOR}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(text)}</text></g>`
    );
  });
}
