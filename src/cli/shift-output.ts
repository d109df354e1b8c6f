import { reportDocument, type ShiftReport } from '../report/index.js';
import { readPhase } from '../spec/phase.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import type { SessionResult } from './shift-session.js';
import type { CliContext } from './io.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** What a paused shift's output says next: how to go on, or stop. */
export function howToContinue(name: string, namespace: string): string {
  const flags = `${name} -n ${namespace}`;
  return `the weights stay as they are; continue with: tcpshift resume ${flags} (or abort it: tcpshift abort ${flags})`;
}

/** A step's reasons for the summary, without the shift's reason (printed once, on its own line). */
function stepReasons(reasons: readonly string[], shown: string | undefined): string {
  const rest = reasons.filter((r) => r !== shown);
  if (rest.length === reasons.length) return rest.length ? `; ${rest.join('; ')}` : '';
  return `; ${['reason above', ...rest].join('; ')}`;
}

/** The closing lines of `shift`/`resume`/`demo`: outcome, steps, rollback and the report files. */
export function summaryLines(report: ShiftReport): string[] {
  const lines = [
    `${readPhase(report.outcome) ?? report.outcome}: stable ${report.finalWeights.stable}% / canary ${report.finalWeights.canary}% after ${seconds(report.endedAt - report.startedAt)}`,
    ...(report.reason !== undefined && report.outcome !== 'promoted' ? [`  reason: ${report.reason}`] : []),
    ...(report.outcome === 'paused' ? [`  ${howToContinue(report.name, report.namespace)}`] : []),
  ];
  for (const step of report.steps) {
    const n = step.newConnections;
    const split = n.split ? `, split ${n.split.decision}` : '';
    lines.push(
      `  step ${step.index + 1} (${step.targetWeight}%): ${step.verdict}; new ${n.succeeded} ok / ${n.failed} failed${split}; ` +
        `long-lived reconnect wave ${step.reconnectWave}${stepReasons(step.reasons, report.reason)}`,
    );
  }
  if (report.rollback) {
    const rb = report.rollback;
    lines.push(`  rollback: ${rb.reason === report.reason ? '' : `${rb.reason}; `}${rb.restoredAt === null ? 'canary 0 NOT written' : `canary 0 written ${rb.detectionToRestoreMs} ms after detection`}`);
  }
  return lines;
}

/** -o json: the report alone on stdout; text: the summary and where the files are. */
export function printResult(result: SessionResult, output: 'text' | 'json', ctx: CliContext): void {
  if (output === 'json') {
    ctx.stdout.write(`${JSON.stringify(reportDocument(result.report), null, 2)}\n`);
    ctx.stderr.write(`report: ${result.files.markdown} (also report.json, timeline.svg)\n`);
    return;
  }
  ctx.stdout.write(`${summaryLines(result.report).join('\n')}\n`);
  ctx.stdout.write(`report: ${result.files.markdown}\n        ${result.files.json}\n        ${result.files.timeline}\n`);
}

/** A re-run after promotion: nothing written, exit 0. With -o json the document says so. */
export function printAlreadyPromoted(shift: ResolvedShift, target: string, output: 'text' | 'json', ctx: CliContext): void {
  const message = `already promoted: ${target} sends every new connection to the canary under the same spec; nothing written`;
  if (output === 'json') {
    ctx.stdout.write(`${JSON.stringify({ name: shift.name, namespace: shift.namespace, target, outcome: 'already-promoted', message }, null, 2)}\n`);
    return;
  }
  ctx.stdout.write(`${message}\n`);
}
