import { Command } from 'commander';
import { stringify } from 'yaml';
import type { StepReport } from '../report/index.js';
import { lockState, readRequest, type RollbackState, type ShiftState } from '../shift/index.js';
import { formatDuration } from '../util/duration.js';
import { addClusterOptions, addNamespaceOption, addOutputOption, connectCluster, type ClusterFlags } from './cluster-options.js';
import type { CliContext } from './io.js';
import { ExitCode } from './exit-codes.js';
import { localProcesses } from './process-probe.js';
import { findShift, supersededNote, type CliShift, type ControllerShift } from './shift-target.js';

const EXAMPLES = `
Examples:
  tcpshift status echo -n echo
  tcpshift status echo -n echo -o json | jq .phase

A CLI shift keeps its state on its route (annotations tcpshift.io/*, per tcp route); a TCPShift
resource of that name is run by the controller and its .status is shown. When a TCPShift ran on
a CLI shift's route after it, the CLI state is out of date: the TCPShift's status is shown instead.
Exit codes: 0 shown, 2 no such shift (or bad flag), 1 unexpected error.`;

/** What `status -o json|yaml` prints for a CLI shift. */
export interface CliStatus {
  managedBy: 'cli';
  name: string;
  namespace: string;
  target: string;
  phase: string;
  step: { number: number; of: number; canaryWeight: number | null };
  weights: { stable: number; canary: number };
  holder: { identity: string; expiresAt: string; live: boolean } | null;
  request: { action: string; by?: string } | null;
  state: ShiftState | null;
}

export function cliStatus(found: CliShift, now: number): CliStatus {
  const { state, snapshot, shift } = found;
  const lock = lockState(snapshot.annotations, now, localProcesses);
  const steps = shift.spec.schedule.steps;
  const index = state?.stepIndex ?? -1;
  return {
    managedBy: 'cli',
    name: found.name,
    namespace: found.namespace,
    target: found.router.description,
    phase: displayPhase(state, snapshot.weights.canary, steps),
    step: { number: index + 1, of: steps.length, canaryWeight: steps[index] ?? null },
    weights: { stable: snapshot.weights.stable, canary: snapshot.weights.canary },
    holder: lock.kind === 'free' ? null : { identity: lock.holder.identity, expiresAt: new Date(lock.holder.expiresAt).toISOString(), live: lock.kind === 'held' },
    request: readRequest(snapshot.annotations) ?? null,
    state: state ?? null,
  };
}

/**
 * A step's write carries the state `stepping` (the bake begins once it is acknowledged), so a
 * stepping state whose weight is on the route is baking.
 */
function displayPhase(state: ShiftState | undefined, canary: number, steps: readonly number[]): string {
  if (!state) return 'unknown';
  return state.phase === 'stepping' && steps[state.stepIndex] === canary ? 'baking' : state.phase;
}

function bakeLeft(state: ShiftState | null, phase: string, bakeMs: number, now: number): string {
  if (!state || phase !== 'baking') return '';
  const until = state.bakeUntil ?? state.updatedAt + bakeMs;
  return `, bake about ${formatDuration(Math.max(0, Math.round((until - now) / 1000) * 1000))} left`;
}

function cliText(s: CliStatus, bakeMs: number, now: number): string {
  const state = s.state;
  const lines = [`shift ${s.namespace}/${s.name}: run by the CLI, state on ${s.target}`];
  const bake = bakeLeft(state, s.phase, bakeMs, now);
  const step = s.step.number > 0 ? `, step ${s.step.number}/${s.step.of} (canary ${s.step.canaryWeight}%)` : '';
  lines.push(`  phase:    ${s.phase}${step}${bake}${state?.reason ? ` - ${state.reason}` : ''}`);
  const before = state?.original ? ` (before the shift: stable ${state.original.stable}, canary ${state.original.canary})` : '';
  lines.push(`  weights:  stable ${s.weights.stable} / canary ${s.weights.canary}${before}`);
  lines.push(`  holder:   ${s.holder ? `${s.holder.identity}, lock until ${s.holder.expiresAt} (${s.holder.live ? 'live' : 'dead: resume or abort it'})` : 'none'}`);
  if (s.request) lines.push(`  request:  ${s.request.action}${s.request.by ? ` by ${s.request.by}` : ''} (not acted on yet)`);
  if (state) {
    lines.push(`  started:  ${new Date(state.startedAt).toISOString()}${state.endedAt ? `, ended ${new Date(state.endedAt).toISOString()}` : ''}`);
    lines.push(...stepLines(state.steps), ...rollbackLines(state.rollback));
  }
  return `${lines.join('\n')}\n`;
}

/** One line per finished step (a CLI shift's state, or a TCPShift's status.steps). */
function stepLines(steps: readonly StepReport[]): string[] {
  return steps.map((step) => {
    const split = step.newConnections.split ? `split ${step.newConnections.split.decision}, ` : '';
    return `  step ${step.index + 1}:   ${step.targetWeight}% ${step.verdict} (${split}reconnect wave ${step.reconnectWave})${step.reasons.length ? `: ${step.reasons.join('; ')}` : ''}`;
  });
}

function rollbackLines(rollback: RollbackState | undefined): string[] {
  if (!rollback) return [];
  return [`  rollback: ${rollback.reason}${rollback.restoredAt ? ` (canary 0 after ${rollback.restoredAt - rollback.detectedAt} ms)` : ''}`];
}

interface ControllerStatusView {
  phase?: string;
  currentStep?: number;
  weights?: { stable: number; canary: number };
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  split?: { step: number; targetShare: number; observedCanaryShare: number | null; interval: [number, number]; decision: string; attempted: number; failed: number };
  steps?: StepReport[];
  rollback?: RollbackState;
}

const percent = (share: number): string => `${Number((share * 100).toFixed(1))}%`;

function splitLine(split: NonNullable<ControllerStatusView['split']>): string {
  const observed = split.observedCanaryShare === null ? 'no identified connection' : `${percent(split.observedCanaryShare)} [${percent(split.interval[0])}, ${percent(split.interval[1])}]`;
  return `  split:    step ${split.step + 1}: canary ${observed} of ${split.attempted} new connections (${split.failed} failed), target ${percent(split.targetShare)}, ${split.decision}`;
}

function controllerText(found: ControllerShift): string {
  const status = (found.object.status ?? {}) as ControllerStatusView;
  const lines = [`shift ${found.namespace}/${found.name}: TCPShift resource, run by the controller`];
  lines.push(`  phase:    ${status.phase ?? 'not reported yet'}${status.currentStep !== undefined ? `, step ${status.currentStep}` : ''}`);
  if (status.weights) lines.push(`  weights:  stable ${status.weights.stable} / canary ${status.weights.canary}`);
  for (const c of status.conditions ?? []) lines.push(`  ${c.type}: ${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? ` ${c.message}` : ''}`);
  if (status.split) lines.push(splitLine(status.split));
  lines.push(...stepLines(status.steps ?? []), ...rollbackLines(status.rollback));
  return `${lines.join('\n')}\n`;
}

/** What `status -o json|yaml` prints for a TCPShift (and which CLI shift's stale state it stands for). */
function controllerDocument(found: ControllerShift): Record<string, unknown> {
  const superseded = found.supersedes ? { supersedes: { cliShift: found.supersedes.name, route: found.supersedes.route } } : {};
  return { managedBy: 'controller', name: found.name, namespace: found.namespace, ...superseded, status: found.object.status ?? null };
}

export function statusVerb(ctx: CliContext): Command {
  const command = new Command('status').description('Show a shift by name: phase, step, weights, holder, step results.').argument('<name>', 'the shift (TCPShift metadata.name)');
  addNamespaceOption(command);
  addClusterOptions(command);
  addOutputOption(command, ['text', 'json', 'yaml'], 'text, json or yaml (the status document)');
  return command.addHelpText('after', EXAMPLES).action(async (name: string, flags: ClusterFlags & { namespace?: string; output: 'text' | 'json' | 'yaml' }) => {
    const kube = connectCluster(flags, ctx);
    try {
      const found = await findShift(kube, name, flags.namespace);
      const now = ctx.clock.now();
      const document = found.kind === 'cli' ? cliStatus(found, now) : controllerDocument(found);
      if (flags.output === 'json') ctx.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      else if (flags.output === 'yaml') ctx.stdout.write(stringify(document));
      else ctx.stdout.write(found.kind === 'cli' ? cliText(document as CliStatus, found.shift.spec.schedule.bakeMs, now) : supersededNote(found) + controllerText(found));
      ctx.setExitCode(ExitCode.Ok);
    } finally {
      kube.close();
    }
  });
}
