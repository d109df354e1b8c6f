/**
 * The request verbs (`promote`, `pause`, `retry` of a TCPShift): find the shift, refuse (exit 2,
 * nothing written, what to do instead) where its phase does not allow the request, write the
 * request annotation (on the route for a CLI shift, whose live holder acts on it; on the TCPShift
 * for the controller; never an edit of the spec, so a GitOps tool does not revert it), then wait
 * (--timeout) until the shift has acted on it and print where it is now.
 */
import { Command } from 'commander';
import { stringify } from 'yaml';
import type { KubeClient } from '../kube/index.js';
import { requestAnnotations, ShiftAnnotations, type OperatorAction } from '../shift/index.js';
import { formatDuration } from '../util/duration.js';
import { addClusterOptions, addNamespaceOption, addOutputOption, connectCluster, type ClusterFlags } from './cluster-options.js';
import { durationFlag, MAX_FLAG_WAIT_MS } from './duration-flag.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';
import { phaseWords } from './status.js';
import { askHolder } from './stop-shift.js';
import { findShift, requester, supersededNote, targetOf, type FoundShift } from './shift-target.js';
import { shiftView, type ShiftView } from './shift-view.js';

export interface RequestFlags extends ClusterFlags {
  namespace?: string;
  timeout: string;
  output: 'text' | 'json' | 'yaml';
}

/** What one request verb asks, when it may, and how to tell it was acted on. */
export interface RequestPlan {
  action: OperatorAction;
  /** promote: the step (from 1) whose bake it ends. */
  step?: number;
  /** Why the request cannot be made in this phase, and what to do instead; undefined when it can. */
  refusal(view: ShiftView): string | undefined;
  /** The shift has acted on the request (compared with the view before asking). */
  done(now: ShiftView, before: ShiftView): boolean;
  /** Words for the request, e.g. `promote (end the bake of step 2 now)`. */
  words: string;
}

const POLL_MS = 250;


/** Find a shift and its person's view. */
export async function lookUp(kube: KubeClient, name: string, namespace: string | undefined, ctx: CliContext): Promise<{ found: FoundShift; view: ShiftView }> {
  const found = await findShift(kube, name, namespace);
  return { found, view: shiftView(found, ctx.clock.now(), (c) => targetOf(kube, c)) };
}

/** A verb built on a plan: `plan(view, flags)` decides what to ask from the shift as it is. */
export function requestVerb<F extends RequestFlags>(command: Command, plan: (view: ShiftView, flags: F) => RequestPlan, ctx: CliContext): Command {
  addNamespaceOption(command);
  addClusterOptions(command);
  addTimeoutOption(command);
  addOutputOption(command, ['text', 'json', 'yaml'], 'text, json or yaml (the shift as status shows it, once the request was acted on)');
  return command.action(async (name: string, flags: F) => {
    const timeoutMs = durationFlag('--timeout', flags.timeout, { maxMs: MAX_FLAG_WAIT_MS });
    const kube = connectCluster(flags, ctx);
    try {
      const { found, view } = await lookUp(kube, name, flags.namespace, ctx);
      await request(kube, { found, view }, plan(view, flags), { timeoutMs, output: flags.output }, ctx);
    } finally {
      kube.close();
    }
  });
}

export function addTimeoutOption(command: Command): Command {
  return command.option('--timeout <duration>', 'how long to wait for the shift to act on the request (0: do not wait)', '30s');
}

/** Refuse, or ask and wait; sets the exit code. */
export async function request(
  kube: KubeClient,
  { found, view }: { found: FoundShift; view: ShiftView },
  plan: RequestPlan,
  options: { timeoutMs: number; output: RequestFlags['output'] },
  ctx: CliContext,
): Promise<void> {
  const refusal = plan.refusal(view);
  if (refusal) throw new UsageError(refusal);
  if (found.kind === 'controller') ctx.stderr.write(supersededNote(found));
  await ask(kube, found, plan, ctx);
  ctx.stderr.write(`${what(view)}: ${plan.words} requested\n`);
  ctx.setExitCode(await waitAndShow(kube, view, plan, options.output, options.timeoutMs, ctx));
}

const what = (view: ShiftView): string => `${view.managedBy === 'cli' ? 'shift' : 'TCPShift'} ${view.namespace}/${view.name}`;

async function ask(kube: KubeClient, found: FoundShift, plan: RequestPlan, ctx: CliContext): Promise<void> {
  const annotations = requestAnnotations(plan.action, requester(), plan.step);
  if (found.kind === 'controller') {
    await kube.tcpShifts.patch(found.name, found.namespace, { type: 'merge', body: { metadata: { annotations } } });
    return;
  }
  if (!(await askHolder(found, annotations, ctx))) {
    throw new UsageError(`shift ${found.name}'s process went away before the request was written: nothing written; see tcpshift status ${found.name} -n ${found.namespace}`);
  }
}

async function waitAndShow(kube: KubeClient, before: ShiftView, plan: RequestPlan, output: RequestFlags['output'], timeoutMs: number, ctx: CliContext): Promise<number> {
  const deadline = ctx.clock.now() + timeoutMs;
  let view = before;
  while (ctx.clock.now() < deadline) {
    await ctx.clock.sleep(POLL_MS);
    view = (await lookUp(kube, before.name, before.namespace, ctx)).view;
    if (plan.done(view, before)) {
      show(view, output, ctx);
      return ExitCode.Ok;
    }
  }
  if (timeoutMs === 0) {
    ctx.stderr.write(`not waiting (--timeout 0): see tcpshift status ${before.name} -n ${before.namespace}\n`);
    show(view, output, ctx);
    return ExitCode.Ok;
  }
  const where = before.managedBy === 'cli' ? 'route' : 'TCPShift';
  ctx.stderr.write(`error: ${what(before)} did not act on the request within ${formatDuration(timeoutMs)}${before.managedBy === 'controller' ? ' (is the controller running?)' : ''}; the request stays on the ${where} (annotation ${ShiftAnnotations.request}; see tcpshift status ${before.name} -n ${before.namespace})\n`);
  return ExitCode.Error;
}

function show(view: ShiftView, output: RequestFlags['output'], ctx: CliContext): void {
  if (output === 'json') ctx.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else if (output === 'yaml') ctx.stdout.write(stringify(view));
  else ctx.stdout.write(`${what(view)}: ${phaseWords(view, ctx.clock.now())}; weights stable ${view.weights?.stable ?? '?'} / canary ${view.weights?.canary ?? '?'}\n`);
}

/** The refusal every request shares: a CLI shift whose process is gone cannot act on anything. */
export function holderGone(view: ShiftView, verb: string): string | undefined {
  if (view.activity !== 'holder-dead') return undefined;
  const ref = `${view.name} -n ${view.namespace}`;
  return `shift ${view.name}'s process is gone (holder dead), so nothing would act on ${verb}: nothing written; tcpshift resume ${ref} continues it (then ${verb}), tcpshift abort ${ref} rolls it back`;
}

export function makeCommand(name: string, description: string, examples: string): Command {
  return new Command(name).description(description).argument('<name>', 'the shift (TCPShift metadata.name, or a CLI shift found on its route)').addHelpText('after', examples);
}
