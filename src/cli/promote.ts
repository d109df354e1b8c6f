import type { Command } from 'commander';
import { isEnded } from '../spec/phase.js';
import type { CliContext } from './io.js';
import { holderGone, makeCommand, requestVerb, type RequestFlags, type RequestPlan } from './shift-request.js';
import type { ShiftView } from './shift-view.js';

const EXAMPLES = `
Examples:
  tcpshift promote echo -n echo            # end the current step's bake now: on to the next step
                                           # (at a schedule gate {pause: {}}: open it)
  tcpshift promote echo -n echo --full     # canary 100% now, skipping the remaining steps
  kubectl tcpshift promote echo -n echo -o json

A request, not an edit: the annotation tcpshift.io/request (promote:STEP or promote-full) goes on
the route of a CLI shift, whose process acts on it within about a second, or on the TCPShift for
the controller; the spec is not changed, so a GitOps tool does not revert it. The step ends on
what its probes saw so far (a breach still rolls back). The command waits (--timeout) until the
shift has moved on and prints where it is.
Refused (exit 2, nothing written): a shift that is pending, paused (resume it first), rolling
back, ended, or whose process is gone.
Exit codes: 0 acted on, 1 not acted on within --timeout (the request stays), 2 refused, no such
shift or bad flag.`;

/** Why a shift cannot be promoted now, or undefined. */
export function promoteRefusal(view: ShiftView): string | undefined {
  const ref = `${view.name} -n ${view.namespace}`;
  const dead = holderGone(view, 'promote');
  if (dead) return dead;
  if (view.phase === 'Paused') return `shift ${view.name} is paused: nothing written; resume it first (tcpshift resume ${ref}), then promote`;
  if (isEnded(view.phase)) {
    const again = view.phase === 'Promoted' ? '' : `; tcpshift retry ${ref} starts it again from stable`;
    return `shift ${view.name} has ended (${view.phase}): nothing to promote${again}`;
  }
  if (view.phase === 'Pending') return `shift ${view.name} has not reached its first step yet: nothing to promote; watch it with tcpshift status ${ref} -w`;
  if (view.activity === 'promoting' || view.activity === 'rolling-back') return `shift ${view.name} is already ${view.activity}: nothing to promote`;
  if (view.gate && view.gate.kind !== 'pause') return `shift ${view.name} waits for its ${view.gate.kind} hooks, which a promote does not replace`;
  return undefined;
}

export function promoteVerb(ctx: CliContext): Command {
  const command = makeCommand('promote', "End the current step's bake now (or, with --full, go to canary 100% skipping the remaining steps).", EXAMPLES)
    .option('--full', 'write canary 100% now, skipping the remaining steps');
  return requestVerb<RequestFlags & { full?: boolean }>(command, (view, flags): RequestPlan => {
    const full = flags.full === true;
    return {
      action: full ? 'promote-full' : 'promote',
      ...(full ? {} : { step: view.step.number }),
      words: full ? 'promote --full (canary 100% now)' : view.gate ? `promote (open the gate after step ${view.step.number})` : `promote (end the bake of step ${view.step.number} now)`,
      refusal: promoteRefusal,
      done: (now, before) => now.phase !== 'Progressing' || (full ? now.activity === 'promoting' : now.step.number > before.step.number),
    };
  }, ctx);
}
