/**
 * The per-step layers of timeline.svg: a label per step record (number from 1, canary weight,
 * verdict), the new-connection failures of each step as a bar with its count and main kind
 * (drawn from counts, so a report made from stored state draws them too), breach markers, the
 * span of a pause (a step interrupted by a pause until the next record), and the weights the
 * route carried at the end (after a rollback: back on stable), right of the plot.
 */
import { NEW_CONNECTION_FAILURE_KINDS, type NewConnectionsBlock } from '../probe/index.js';
import { escapeXml } from './format.js';
import { AFTER_X, FAILURES, keepInside, n, PLOT, STEP_LABEL_Y, textWidth, type Scale } from './timeline-layout.js';
import type { ShiftReport, StepReport } from './types.js';

export const BREACH_COLOR = '#d62728';
export const FAILURE_COLOR = '#c0392b';
const VERDICT_COLOR: Record<StepReport['verdict'], string> = { ok: '#1a7f37', breach: BREACH_COLOR, interrupted: '#9a6700' };

export const stepLabel = (step: StepReport): string => `${step.index + 1}: ${step.targetWeight}%${step.verdict === 'ok' ? '' : ` ${step.verdict}`}`;

/** Step labels above the plot, on a second row when they would overlap the previous one. */
export function stepLabels(report: ShiftReport, s: Scale): string[] {
  const out: string[] = [];
  const rowEnds = [-Infinity, -Infinity];
  for (const step of report.steps) {
    const text = stepLabel(step);
    const x = s.x(step.startedAt);
    const row = x >= (rowEnds[0] as number) + 4 ? 0 : 1;
    const y = STEP_LABEL_Y - row * 13;
    const place = keepInside(x + 2, text);
    rowEnds[row] = place.anchor === 'start' ? place.x + textWidth(text) : place.x;
    out.push(`<line x1="${n(x)}" y1="${y + 3}" x2="${n(x)}" y2="${PLOT.bottom}" stroke="#d0d7de" stroke-dasharray="2 3"/>`);
    out.push(`<text class="step-label" x="${n(place.x)}" y="${y}" text-anchor="${place.anchor}" fill="${VERDICT_COLOR[step.verdict]}">${escapeXml(text)}</text>`);
  }
  return out;
}

/** The kind most of a step's failed new connections share, e.g. `timeout`. */
export function mainFailureKind(block: NewConnectionsBlock): string | undefined {
  const byKind = block.failuresByKind as Partial<Record<string, number>> | undefined;
  if (!byKind) return undefined;
  let best: string | undefined;
  for (const kind of NEW_CONNECTION_FAILURE_KINDS) if ((byKind[kind] ?? 0) > (best === undefined ? 0 : (byKind[best] ?? 0))) best = kind;
  return best;
}

/** One bar per step with failures (height: failed / the most any step had), labelled `16 timeout`. */
export function failureBars(report: ShiftReport, s: Scale): string[] {
  const out = [
    `<text x="${PLOT.left - 8}" y="${(FAILURES.top + FAILURES.bottom) / 2}" text-anchor="end" dominant-baseline="middle">failed</text>`,
    `<line x1="${PLOT.left}" y1="${FAILURES.bottom}" x2="${PLOT.right}" y2="${FAILURES.bottom}" stroke="#bbb"/>`,
  ];
  const most = Math.max(0, ...report.steps.map((step) => step.newConnections.failed));
  if (most === 0) {
    out.push(`<text x="${PLOT.left + 6}" y="${FAILURES.bottom - 6}" fill="#777">no new connection failed</text>`);
    return out;
  }
  for (const step of report.steps) {
    const failed = step.newConnections.failed;
    if (failed === 0) continue;
    const x = s.x(step.startedAt);
    const width = Math.max(4, s.x(step.endedAt) - x);
    const height = Math.max(3, (failed / most) * (FAILURES.bottom - FAILURES.top - 12));
    const kind = mainFailureKind(step.newConnections);
    const text = `${failed}${kind ? ` ${kind}` : ''}`;
    const title = `step ${step.index + 1}: ${failed} of ${step.newConnections.attempted} new connections failed`;
    const place = keepInside(x + 2, text);
    out.push(`<g class="failures"><title>${escapeXml(title)}</title><rect x="${n(x)}" y="${n(FAILURES.bottom - height)}" width="${n(width)}" height="${n(height)}" fill="${FAILURE_COLOR}"/>` +
      `<text x="${n(place.x)}" y="${n(FAILURES.bottom - height - 3)}" text-anchor="${place.anchor}" fill="${FAILURE_COLOR}">${escapeXml(text)}</text></g>`);
  }
  return out;
}

/** A red triangle at the top of the plot where each breach was called (the step's end). */
export function breachMarkers(report: ShiftReport, s: Scale): string[] {
  return report.steps
    .filter((step) => step.verdict === 'breach')
    .map((step) => {
      const x = s.x(step.endedAt);
      const y = PLOT.top;
      return `<path class="breach" d="M${n(x - 7)},${y - 12}L${n(x + 7)},${y - 12}L${n(x)},${y}Z" fill="${BREACH_COLOR}"><title>${escapeXml(`breach at step ${step.index + 1}: ${step.reasons.join('; ')}`)}</title></path>`;
    });
}

/** The span a pause held the weights: from the step the pause interrupted to the next record (or the end). */
export function pauseBands(report: ShiftReport, s: Scale): string[] {
  const out: string[] = [];
  report.steps.forEach((step, i) => {
    if (step.verdict !== 'interrupted' || !step.reasons.some((r) => r.startsWith('paused'))) return;
    const from = s.x(step.endedAt);
    const to = s.x(report.steps[i + 1]?.startedAt ?? report.endedAt);
    out.push(`<rect class="pause" x="${n(from)}" y="${PLOT.top}" width="${n(Math.max(2, to - from))}" height="${PLOT.bottom - PLOT.top}" fill="#fff3bf" fill-opacity="0.8"><title>${escapeXml(`${step.reasons[0] ?? 'paused'}: weights held at canary ${step.targetWeight}%`)}</title></rect>`);
    const label = keepInside(from + 3, 'paused');
    out.push(`<text x="${n(label.x)}" y="${PLOT.top + 14}" text-anchor="${label.anchor}" fill="#9a6700">paused</text>`);
  });
  return out;
}

/** The route's weights at the end, right of the plot at their heights. */
export function finalWeightLabels(report: ShiftReport, s: Scale): string[] {
  const { stable, canary } = report.finalWeights;
  const total = stable + canary || 1;
  const canaryY = s.y(canary / total);
  const stableY = s.y(stable / total);
  const apart = Math.abs(canaryY - stableY) < 12 ? 7 : 0;
  return [
    `<text class="final-weight" x="${AFTER_X}" y="${n(canaryY - apart)}" dominant-baseline="middle" fill="#1f6feb">canary ${canary}</text>`,
    `<text class="final-weight" x="${AFTER_X}" y="${n(stableY + apart)}" dominant-baseline="middle" fill="#57606a">stable ${stable}</text>`,
  ];
}
