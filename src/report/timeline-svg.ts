import { END_KINDS, type EndKind, type LongLivedConnectionRecord } from '../probe/index.js';
import { escapeXml, pct, seconds } from './format.js';
import { H, keepInside, LANE_Y, n, PLOT, scaleFor, textWidth, W, type Scale } from './timeline-layout.js';
import { eventMarkers, faultMark } from './timeline-markers.js';
import { BREACH_COLOR, breachMarkers, FAILURE_COLOR, failureBars, finalWeightLabels, pauseBands, stepLabels } from './timeline-steps.js';
import type { ShiftReport } from './types.js';

/**
 * timeline.svg: the canary and stable weights over time (stepped lines) with the weights at the
 * end right of the plot, a label per step, each step's observed canary share with its interval
 * (a band), the expected drain windows (shaded), pauses, breach markers, the rollback (breach seen,
 * canary 0 written), outside events such as a fault switched on (timeline-markers.ts), each
 * step's new-connection failures as a bar, and every long-lived connection end on a lane below,
 * marked by kind. Self-contained SVG, no script, no external font;
 * every label is kept inside the canvas (timeline-layout.ts).
 */
const END_STYLE: Record<EndKind, { color: string; shape: 'circle' | 'cross' | 'triangle' | 'square' | 'diamond' }> = {
  drained: { color: '#8c8c8c', shape: 'circle' },
  closed: { color: '#e08a00', shape: 'diamond' },
  reset: { color: '#d62728', shape: 'cross' },
  timeout: { color: '#7b3fb5', shape: 'triangle' },
  corrupt: { color: '#8c564b', shape: 'square' },
  refused: { color: '#111111', shape: 'cross' },
};

function axes(s: Scale): string[] {
  const out: string[] = [];
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    const y = n(s.y(share));
    out.push(`<line x1="${PLOT.left}" y1="${y}" x2="${PLOT.right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${PLOT.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${pct(share)}</text>`);
  }
  const span = s.t1 - s.t0;
  const tick = niceTick(span);
  for (let t = 0; t <= span + 1e-9; t += tick) {
    const x = n(s.x(s.t0 + t));
    out.push(`<line x1="${x}" y1="${PLOT.bottom}" x2="${x}" y2="${PLOT.bottom + 5}" stroke="#555"/>`);
    out.push(`<text x="${x}" y="${PLOT.bottom + 18}" text-anchor="middle">${seconds(t)}</text>`);
  }
  out.push(`<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}" stroke="#555"/>`);
  out.push(`<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}" stroke="#555"/>`);
  return out;
}

/** 1, 2 or 5 times a power of ten, about eight ticks over the span. */
export function niceTick(spanMs: number): number {
  const raw = Math.max(1, spanMs / 8);
  const power = 10 ** Math.floor(Math.log10(raw));
  const factor = [1, 2, 5, 10].find((f) => f * power >= raw) ?? 10;
  return factor * power;
}

/** (time, canary weight %) points of the canary weight over the run. */
export function weightPoints(report: ShiftReport): Array<[number, number]> {
  const points: Array<[number, number]> = [[report.startedAt, report.originalWeights?.canary ?? 0]];
  for (const step of report.steps) points.push([step.startedAt, step.targetWeight]);
  if (report.rollback?.restoredAt != null) points.push([report.rollback.restoredAt, 0]);
  points.push([report.endedAt, report.finalWeights.canary]);
  return points;
}

function steppedPath(points: Array<[number, number]>, s: Scale, value: (w: number) => number): string {
  let d = '';
  let previous: number | undefined;
  for (const [t, w] of points) {
    const x = n(s.x(t));
    const y = n(s.y(value(w) / 100));
    d += previous === undefined ? `M${x},${y}` : `H${x}V${y}`;
    previous = w;
  }
  return d;
}

function weightLines(report: ShiftReport, s: Scale): string[] {
  const points = weightPoints(report);
  return [
    `<path d="${steppedPath(points, s, (w) => 100 - w)}" fill="none" stroke="#9aa5b1" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<path d="${steppedPath(points, s, (w) => w)}" fill="none" stroke="#1f6feb" stroke-width="2.5"/>`,
  ];
}

function drainWindows(report: ShiftReport, s: Scale): string[] {
  return report.steps
    .filter((step) => step.drainWindow)
    .map((step) => {
      const [from, to] = step.drainWindow as [number, number];
      const x = s.x(from);
      const width = Math.max(1, s.x(to) - x);
      return `<rect x="${n(x)}" y="${PLOT.top}" width="${n(width)}" height="${PLOT.bottom - PLOT.top}" fill="#f2f2f2"><title>drain window of step ${step.index + 1}</title></rect>`;
    });
}

function observedShares(report: ShiftReport, s: Scale): string[] {
  const out: string[] = [];
  for (const step of report.steps) {
    const block = step.newConnections;
    if (block.observedCanaryShare === null) continue;
    const x1 = s.x(step.startedAt);
    const width = Math.max(2, s.x(step.endedAt) - x1);
    const [lo, hi] = block.interval;
    const title = `step ${step.index + 1}: observed canary ${pct(block.observedCanaryShare)} [${pct(lo)}, ${pct(hi)}] over ${block.succeeded} connections, target ${step.targetWeight}%`;
    out.push(`<rect x="${n(x1)}" y="${n(s.y(hi))}" width="${n(width)}" height="${n(Math.max(1, s.y(lo) - s.y(hi)))}" fill="#ff7f0e" fill-opacity="0.25"><title>${escapeXml(title)}</title></rect>`);
    out.push(`<line x1="${n(x1)}" y1="${n(s.y(block.observedCanaryShare))}" x2="${n(x1 + width)}" y2="${n(s.y(block.observedCanaryShare))}" stroke="#ff7f0e" stroke-width="2"/>`);
  }
  return out;
}

function marker(kind: EndKind, x: number, y: number): string {
  const { color, shape } = END_STYLE[kind];
  const r = 4.5;
  switch (shape) {
    case 'circle':
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${r}" fill="${color}"/>`;
    case 'square':
      return `<rect x="${n(x - r)}" y="${n(y - r)}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`;
    case 'triangle':
      return `<path d="M${n(x)},${n(y - r)}L${n(x + r)},${n(y + r)}L${n(x - r)},${n(y + r)}Z" fill="${color}"/>`;
    case 'diamond':
      return `<path d="M${n(x)},${n(y - r)}L${n(x + r)},${n(y)}L${n(x)},${n(y + r)}L${n(x - r)},${n(y)}Z" fill="${color}"/>`;
    case 'cross':
      return `<path d="M${n(x - r)},${n(y - r)}L${n(x + r)},${n(y + r)}M${n(x - r)},${n(y + r)}L${n(x + r)},${n(y - r)}" stroke="${color}" stroke-width="2"/>`;
  }
}

/** Every ended long-lived connection of the report, once each. */
export function endedConnections(report: ShiftReport): LongLivedConnectionRecord[] {
  const byId = new Map<number, LongLivedConnectionRecord>();
  for (const step of report.steps) for (const c of step.longLived.connections) if (c.end !== null) byId.set(c.id, c);
  return [...byId.values()].sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
}

const kindRow = (kind: EndKind): number => LANE_Y + (END_KINDS.indexOf(kind) % 2 === 0 ? -6 : 6);

/** A report made from stored state has counts, not connections: one marker per kind and step, with the count. */
function stepEndCounts(report: ShiftReport, s: Scale): string[] {
  const out: string[] = [];
  for (const step of report.steps) {
    const x = (s.x(step.startedAt) + s.x(step.endedAt)) / 2;
    for (const kind of END_KINDS) {
      const count = step.longLived.ends[kind];
      if (count === 0) continue;
      const title = `step ${step.index + 1}: ${count} long-lived connection(s) ${kind}`;
      out.push(`<g><title>${escapeXml(title)}</title>${marker(kind, x, kindRow(kind))}<text x="${n(x + 7)}" y="${n(kindRow(kind) - 6)}" font-size="9">×${count}</text></g>`);
    }
  }
  return out;
}

/** Ends drawn once per kind and 8-pixel slot, with a count when a wave ended together. */
function endsLane(report: ShiftReport, s: Scale): string[] {
  const out = [`<text x="${PLOT.left - 8}" y="${LANE_Y}" text-anchor="end" dominant-baseline="middle">ends</text>`];
  out.push(`<line x1="${PLOT.left}" y1="${LANE_Y}" x2="${PLOT.right}" y2="${LANE_Y}" stroke="#e5e5e5"/>`);
  const slots = new Map<string, { kind: EndKind; x: number; ends: LongLivedConnectionRecord[] }>();
  for (const c of endedConnections(report)) {
    const kind = c.end as EndKind;
    const x = s.x(c.endedAt ?? 0);
    const key = `${kind}:${Math.round(x / 8)}`;
    const slot = slots.get(key) ?? { kind, x, ends: [] };
    slot.ends.push(c);
    slots.set(key, slot);
  }
  if (slots.size === 0) return [...out, ...stepEndCounts(report, s)];
  for (const { kind, x, ends } of slots.values()) {
    const first = ends[0] as LongLivedConnectionRecord;
    const at = seconds((first.endedAt ?? 0) - report.startedAt);
    const title = ends.length === 1 ? `connection ${first.id} (${first.version ?? '?'}) ${kind} at ${at}` : `${ends.length} connections ${kind} from ${at}`;
    const count = ends.length > 1 ? `<text x="${n(x + 7)}" y="${n(kindRow(kind) - 6)}" font-size="9">×${ends.length}</text>` : '';
    out.push(`<g><title>${escapeXml(title)}</title>${marker(kind, x, kindRow(kind))}${count}</g>`);
  }
  return out;
}

function rollbackMarks(report: ShiftReport, s: Scale): string[] {
  const rb = report.rollback;
  if (!rb) return [];
  const out: string[] = [];
  const line = (t: number, label: string, color: string, dy: number): void => {
    const x = n(s.x(t));
    out.push(`<line x1="${x}" y1="${PLOT.top}" x2="${x}" y2="${LANE_Y + 10}" stroke="${color}" stroke-width="1.5" stroke-dasharray="3 3"/>`);
    const place = keepInside(s.x(t) + 3, label);
    out.push(`<text x="${n(place.x)}" y="${PLOT.top + 28 + dy}" text-anchor="${place.anchor}" fill="${color}">${escapeXml(label)}</text>`);
  };
  line(rb.detectedAt, rb.cause === 'breach' ? 'breach seen' : rb.cause === 'operator' ? 'rollback requested' : 'error', BREACH_COLOR, 0);
  if (rb.restoredAt !== null) line(rb.restoredAt, `canary 0 (${rb.detectionToRestoreMs} ms)`, '#2ca02c', 12);
  return out;
}

function legend(): string[] {
  const items: string[] = [];
  const row = (y: number, entries: Array<[(x: number) => string, string]>): void => {
    let x = PLOT.left;
    for (const [graphic, label] of entries) {
      items.push(graphic(x), `<text x="${x + 22}" y="${y}" dominant-baseline="middle">${label}</text>`);
      x += 34 + label.length * 6.2;
    }
  };
  const y1 = H - 52;
  const y2 = H - 28;
  row(y1, [
    [(x) => `<line x1="${x}" y1="${y1}" x2="${x + 16}" y2="${y1}" stroke="#1f6feb" stroke-width="2.5"/>`, 'canary weight'],
    [(x) => `<line x1="${x}" y1="${y1}" x2="${x + 16}" y2="${y1}" stroke="#9aa5b1" stroke-width="2" stroke-dasharray="6 4"/>`, 'stable weight'],
    [(x) => `<rect x="${x}" y="${y1 - 6}" width="16" height="12" fill="#ff7f0e" fill-opacity="0.4"/>`, 'observed canary share (interval)'],
    [(x) => `<rect x="${x}" y="${y1 - 6}" width="16" height="12" fill="#f2f2f2" stroke="#ccc"/>`, 'expected drain window'],
    [(x) => `<rect x="${x}" y="${y1 - 6}" width="16" height="12" fill="${FAILURE_COLOR}"/>`, 'new connections failed'],
  ]);
  row(y2, [
    ...END_KINDS.map((kind): [(x: number) => string, string] => [(x: number) => marker(kind, x + 8, y2), `${kind} end`]),
    [(x) => `<path d="M${x + 1},${y2 - 6}L${x + 15},${y2 - 6}L${x + 8},${y2 + 6}Z" fill="${BREACH_COLOR}"/>`, 'breach'],
    [(x) => `<rect x="${x}" y="${y2 - 6}" width="16" height="12" fill="#fff3bf" stroke="#e3c567"/>`, 'paused'],
    [(x) => faultMark(x + 8, y2), 'fault'],
  ]);
  return items;
}

const TITLE_SIZE = 15;

/** The title, cut with an ellipsis where it would run past the canvas. */
function fitTitle(title: string): string {
  const room = W - PLOT.left - 8;
  if (textWidth(title, TITLE_SIZE) <= room) return title;
  return `${title.slice(0, Math.floor(room / (TITLE_SIZE * 0.62)) - 1)}…`;
}

export function renderTimelineSvg(report: ShiftReport): string {
  const s = scaleFor(report);
  const title = fitTitle(`${report.namespace}/${report.name}: ${report.outcome} (${report.target})`);
  const body = [
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="22" font-size="${TITLE_SIZE}" font-weight="bold">${escapeXml(title)}</text>`,
    ...drainWindows(report, s),
    ...pauseBands(report, s),
    ...axes(s),
    ...stepLabels(report, s),
    ...observedShares(report, s),
    ...weightLines(report, s),
    ...finalWeightLabels(report, s),
    ...rollbackMarks(report, s),
    ...breachMarkers(report, s),
    ...eventMarkers(report, s),
    ...failureBars(report, s),
    ...endsLane(report, s),
    ...legend(),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    ...body.map((line) => `  ${line}`),
    '</svg>',
    '',
  ].join('\n');
}
