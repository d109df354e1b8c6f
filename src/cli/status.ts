import { Command } from 'commander';
import { stringify } from 'yaml';
import type { ProbeTotals, ShiftState } from '../shift/index.js';
import { formatDuration } from '../util/duration.js';
import { addClusterOptions, addNamespaceOption, addOutputOption, connectCluster, type ClusterFlags } from './cluster-options.js';
import type { CliContext } from './io.js';
import { ExitCode } from './exit-codes.js';
import { UsageError } from './errors.js';
import { howToContinue } from './shift-output.js';
import { watchShift } from './status-watch.js';
import { findShift, supersededNote, targetOf, type FoundShift } from './shift-target.js';
import { shiftView, type RollbackView, type ShiftView, type StepView } from './shift-view.js';

const EXAMPLES = `
Examples:
  tcpshift status echo -n echo
  tcpshift status echo -n echo -o json | jq .phase
  tcpshift status echo -n echo -w          # follow it until it ends; exits with the shift's code

A CLI shift keeps its state on its route (annotations tcpshift.io/*, per tcp route); a TCPShift
resource of that name is run by the controller and its .status is shown. When a TCPShift ran on
a CLI shift's route after it, the CLI state is out of date: the TCPShift's status is shown instead.
The document (-o json|yaml) is the same for both: phase (Pending, Progressing, Paused, Promoted,
RolledBack, Aborted, Failed), activity within Progressing (stepping, baking, promoting,
rolling-back, or holder-dead when a CLI shift's process is gone), step (numbered from 1), weights,
holder, request, ISO 8601 times, steps, rollback, and a running shift's probe counters (probes:
long-lived open/wanted, drained and broken ends, the step's new connections; a CLI shift publishes
them on its route every few seconds, the controller in .status.probes at most every
--status-interval).
Exit codes: 0 shown, 2 no such shift (or bad flag), 1 unexpected error. With -w: the shift's own
when it ends (0 promoted, 3 rolled back after a breach, 4 aborted, rolled back on request or
paused, 1 failed or its process gone).`;

function bakeLeft(view: ShiftView, now: number): string {
  if (view.bakeEndsAt === undefined) return '';
  return `, bake about ${formatDuration(Math.max(0, Math.round((Date.parse(view.bakeEndsAt) - now) / 1000) * 1000))} left`;
}

/** The phase line: the phase, what the engine does in it, the step, and what to do when its process is gone. */
export function phaseWords(view: ShiftView, now: number): string {
  const ref = `${view.name} -n ${view.namespace}`;
  const activity = view.activity && view.activity !== 'holder-dead' ? ` (${view.activity})` : '';
  const step = view.step.number > 0 ? `, step ${view.step.number}/${view.step.of} (canary ${view.step.canaryWeight}%)` : '';
  const dead = view.activity === 'holder-dead' ? `: its process is gone (holder dead); tcpshift resume ${ref} continues it, tcpshift abort ${ref} rolls it back` : '';
  const paused = view.phase === 'Paused' ? `; ${howToContinue(view.name, view.namespace)}` : '';
  return `${view.phase}${activity}${step}${bakeLeft(view, now)}${view.reason ? ` - ${view.reason}` : ''}${dead}${paused}`;
}

function holderWords(holder: ShiftView['holder']): string {
  if (!holder) return 'none';
  return `${holder.identity}, lock until ${holder.expiresAt} (${holder.alive ? 'alive' : 'dead: resume or abort it'})`;
}

function cliText(view: ShiftView, original: ShiftState['original'], now: number): string {
  const lines = [`shift ${view.namespace}/${view.name}: run by the CLI, state on ${view.target}`];
  lines.push(`  phase:    ${phaseWords(view, now)}`);
  const before = original ? ` (before the shift: stable ${original.stable}, canary ${original.canary})` : '';
  if (view.weights) lines.push(`  weights:  stable ${view.weights.stable} / canary ${view.weights.canary}${before}`);
  lines.push(`  holder:   ${holderWords(view.holder)}`);
  if (view.request) lines.push(`  request:  ${view.request.action}${view.request.by ? ` by ${view.request.by}` : ''} (not acted on yet)`);
  if (view.probes) lines.push(`  probes:   ${probeWords(view.probes)}`);
  if (view.startedAt) lines.push(`  started:  ${view.startedAt}${view.endedAt ? `, ended ${view.endedAt}` : ''}`);
  lines.push(...stepLines(view.steps), ...rollbackLines(view.rollback));
  return `${lines.join('\n')}\n`;
}

/** Long-lived connections not ended by a drain. */
export function brokenEnds(totals: ProbeTotals): number {
  return Object.entries(totals.longLived.ends).reduce((sum, [kind, count]) => (kind === 'drained' ? sum : sum + count), 0);
}

/** The probe counters, the same words for a CLI shift and a TCPShift. */
export function probeWords(totals: ProbeTotals): string {
  const ll = totals.longLived;
  const n = totals.newConnections;
  const fresh = n ? `new ${n.attempted} (${n.failed} failed)` : 'new -';
  return `long-lived ${ll.open}/${ll.wanted} open, ${ll.ends.drained} drained, ${brokenEnds(totals)} broken; ${fresh} (at ${totals.at})`;
}

/** One line per finished step. */
function stepLines(steps: readonly StepView[]): string[] {
  return steps.map((step) => {
    const split = step.newConnections.split ? `split ${step.newConnections.split}, ` : '';
    return `  step ${step.number}:   ${step.canaryWeight}% ${step.verdict} (${split}reconnect wave ${step.reconnectWave})${step.reasons.length ? `: ${step.reasons.join('; ')}` : ''}`;
  });
}

function rollbackLines(rollback: RollbackView | undefined): string[] {
  if (!rollback) return [];
  return [`  rollback: ${rollback.reason}${rollback.detectionToRestoreMs !== null ? ` (canary 0 after ${rollback.detectionToRestoreMs} ms)` : ''}`];
}

interface SplitView {
  step: number;
  targetShare: number;
  observedCanaryShare: number | null;
  interval: [number, number];
  decision: string;
  attempted: number;
  failed: number;
}

const percent = (share: number): string => `${Number((share * 100).toFixed(1))}%`;

function splitLine(split: SplitView): string {
  const observed = split.observedCanaryShare === null ? 'no identified connection' : `${percent(split.observedCanaryShare)} [${percent(split.interval[0])}, ${percent(split.interval[1])}]`;
  return `  split:    step ${split.step + 1}: canary ${observed} of ${split.attempted} new connections (${split.failed} failed), target ${percent(split.targetShare)}, ${split.decision}`;
}

function controllerText(view: ShiftView, now: number): string {
  const lines = [`shift ${view.namespace}/${view.name}: TCPShift resource, run by the controller`];
  lines.push(`  phase:    ${phaseWords(view, now)}`);
  if (view.weights) lines.push(`  weights:  stable ${view.weights.stable} / canary ${view.weights.canary}`);
  if (view.request) lines.push(`  request:  ${view.request.action}${view.request.by ? ` by ${view.request.by}` : ''} (not acted on yet)`);
  for (const c of view.conditions ?? []) lines.push(`  ${c.type}: ${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? ` ${c.message}` : ''}`);
  if (view.probes) lines.push(`  probes:   ${probeWords(view.probes)}`);
  if (view.split) lines.push(splitLine(view.split as unknown as SplitView));
  lines.push(...stepLines(view.steps), ...rollbackLines(view.rollback));
  return `${lines.join('\n')}\n`;
}

/** The status text of a found shift (with the note when a TCPShift stands for a CLI shift's stale state). */
export function statusText(found: FoundShift, view: ShiftView, now: number): string {
  return found.kind === 'cli' ? cliText(view, found.state?.original, now) : supersededNote(found) + controllerText(view, now);
}

export function statusVerb(ctx: CliContext): Command {
  const command = new Command('status').description('Show a shift by name: phase, step, weights, holder, step results.').argument('<name>', 'the shift (TCPShift metadata.name)');
  addNamespaceOption(command);
  addClusterOptions(command);
  addOutputOption(command, ['text', 'json', 'yaml'], 'text, json or yaml (the status document)');
  command.option('-w, --watch', "follow the shift until it ends (the shift's live view when it publishes probe counters), then exit with the shift's exit code");
  return command.addHelpText('after', EXAMPLES).action(async (name: string, flags: ClusterFlags & { namespace?: string; output: 'text' | 'json' | 'yaml'; watch?: boolean }) => {
    if (flags.watch && flags.output !== 'text') throw new UsageError('-w/--watch shows text: leave out -o, or poll status -o json');
    const kube = connectCluster(flags, ctx);
    try {
      if (flags.watch) {
        ctx.setExitCode(await watchShift(kube, name, flags.namespace, ctx));
        return;
      }
      const found = await findShift(kube, name, flags.namespace);
      const now = ctx.clock.now();
      const view = shiftView(found, now, (c) => targetOf(kube, c));
      if (flags.output === 'json') ctx.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      else if (flags.output === 'yaml') ctx.stdout.write(stringify(view));
      else ctx.stdout.write(statusText(found, view, now));
      ctx.setExitCode(ExitCode.Ok);
    } finally {
      kube.close();
    }
  });
}
