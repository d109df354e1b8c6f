import { END_KINDS, type EndKind } from '../probe/index.js';
import { escapeMarkdownCell, isoTime, pct, seconds } from './format.js';
import type { ShiftReport, StepReport } from './types.js';

/** report.md: the same facts as report.json, for people (and pull-request comments). */
export function renderMarkdown(report: ShiftReport, files: { timeline?: string } = {}): string {
  const lines = [
    `# tcpshift: ${report.namespace}/${report.name} ${report.outcome}`,
    '',
    ...summary(report),
    ...markers(report),
    ...rollback(report),
    ...steps(report),
    ...warnings(report),
  ];
  if (files.timeline) lines.push('## Timeline', '', `![weights, observed canary share and long-lived connection ends over time](${files.timeline})`, '');
  return `${lines.join('\n')}\n`;
}

function summary(r: ShiftReport): string[] {
  const schedule = r.schedule.steps.map((w) => `${w}%`).join(' → ');
  const original = r.originalWeights ? `stable ${r.originalWeights.stable}, canary ${r.originalWeights.canary}` : '-';
  return [
    `- **Outcome:** ${r.outcome}`,
    ...(r.reason !== undefined ? [`- **Reason:** ${r.reason}`] : []),
    `- **Target:** ${r.target}`,
    `- **Schedule:** ${schedule}, bake ${seconds(r.schedule.bakeMs)} per step`,
    `- **Started:** ${isoTime(r.startedAt)}, took ${seconds(r.endedAt - r.startedAt)}`,
    `- **Weights:** before ${original}; after stable ${r.finalWeights.stable}, canary ${r.finalWeights.canary}`,
    '',
  ];
}

/** Outside events (a fault switched on), at their time and offset from the start. */
function markers(r: ShiftReport): string[] {
  if (!r.markers?.length) return [];
  return ['## Events', '', ...r.markers.map((m) => `- ${isoTime(m.at)} (+${seconds(m.at - r.startedAt)}): ${m.text}`), ''];
}

function rollback(r: ShiftReport): string[] {
  if (!r.rollback) return [];
  const rb = r.rollback;
  const restored = rb.restoredAt === null ? 'canary 0 could **not** be written' : `restored at ${isoTime(rb.restoredAt)} (detection → restore ${rb.detectionToRestoreMs} ms)`;
  return ['## Rollback', '', `- **Reason:** ${rb.reason}`, `- **Detected:** ${isoTime(rb.detectedAt)}; ${restored}`, ''];
}

function ends(counts: Record<EndKind, number>): string {
  const parts = END_KINDS.filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}`);
  return parts.length ? parts.join(', ') : 'none';
}

function stepRow(s: StepReport): string {
  const n = s.newConnections;
  const share = n.observedCanaryShare === null ? '-' : `${pct(n.observedCanaryShare)} [${pct(n.interval[0])}, ${pct(n.interval[1])}]`;
  const split = n.split ? `${n.split.decision} (${n.split.samples})` : '-';
  const connect = n.connectMs.p50 === null ? '-' : `${n.connectMs.p50} / ${n.connectMs.p99} ms`;
  const cells = [
    String(s.index + 1),
    `${s.targetWeight}%`,
    s.verdict === 'ok' ? 'ok' : `**${s.verdict}**`,
    seconds(s.endedAt - s.startedAt),
    `${n.succeeded} / ${n.failed}`,
    share,
    split,
    connect,
    `${s.longLived.heartbeats}`,
    ends(s.longLived.ends),
    String(s.reconnectWave),
  ];
  return `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
}

function steps(r: ShiftReport): string[] {
  if (r.steps.length === 0) return ['## Steps', '', 'No step was started.', ''];
  const lines = [
    '## Steps',
    '',
    '| step | canary | verdict | held | new ok / failed | observed canary share [interval] | split (samples) | connect p50 / p99 | heartbeats | long-lived ends | reconnect wave |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.steps.map(stepRow),
    '',
  ];
  for (const s of r.steps) {
    const remarks = [...s.reasons.map((x) => `breach: ${x}`), ...s.notes];
    if (remarks.length > 0) lines.push(`Step ${s.index + 1} (${s.targetWeight}%):`, ...remarks.map((x) => `- ${x}`), '');
  }
  return lines;
}

function warnings(r: ShiftReport): string[] {
  if (r.warnings.length === 0) return [];
  return ['## Warnings', '', ...r.warnings.map((w) => `- ${w}`), ''];
}
