import type { Command } from 'commander';
import { isEnded } from '../spec/phase.js';
import type { CliContext } from './io.js';
import { holderGone, makeCommand, requestVerb, type RequestFlags } from './shift-request.js';
import type { ShiftView } from './shift-view.js';

const EXAMPLES = `
Examples:
  tcpshift pause echo -n echo
  tcpshift pause echo -n echo -o json
  tcpshift resume echo -n echo             # later: continue from the current step

A request, not an edit: the annotation tcpshift.io/request=pause goes on the route of a CLI shift
(its process stops probing, keeps the weights, records Paused and exits 4) or on the TCPShift for
the controller (it stays paused until tcpshift resume removes the request). The spec is not
changed. The command waits (--timeout) until the shift is paused and says how to resume it.
Refused (exit 2, nothing written): a shift that has ended, is rolling back, or whose process is gone.
Exit codes: 0 paused, 1 not paused within --timeout (the request stays), 2 refused, no such shift
or bad flag.`;

/** Why a shift cannot be paused now, or undefined. */
export function pauseRefusal(view: ShiftView): string | undefined {
  const dead = holderGone(view, 'pause');
  if (dead) return dead;
  if (isEnded(view.phase)) return `shift ${view.name} has ended (${view.phase}): nothing to pause`;
  if (view.activity === 'rolling-back') return `shift ${view.name} is rolling back: nothing to pause`;
  return undefined;
}

export function pauseVerb(ctx: CliContext): Command {
  const command = makeCommand('pause', 'Pause a shift where it is: the weights stay, probing stops, resume continues it.', EXAMPLES);
  return requestVerb<RequestFlags>(command, () => ({
    action: 'pause',
    words: 'pause',
    refusal: pauseRefusal,
    done: (now) => now.phase === 'Paused' || isEnded(now.phase),
  }), ctx);
}
