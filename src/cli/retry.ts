import type { Command } from 'commander';
import { addClusterOptions, addNamespaceOption, connectCluster, type ClusterFlags } from './cluster-options.js';
import { durationFlag, MAX_FLAG_WAIT_MS } from './duration-flag.js';
import { UsageError } from './errors.js';
import type { CliContext } from './io.js';
import { addRunOptions, apiDeadlineMs, lockTtlMs, type RunFlags } from './shift-options.js';
import { addTimeoutOption, lookUp, makeCommand, request, type RequestPlan } from './shift-request.js';
import type { ShiftView } from './shift-view.js';
import { runStoredShift } from './stored-run.js';

const EXAMPLES = `
Examples:
  tcpshift retry echo -n echo                    # a CLI shift: runs it here again, from stable
  tcpshift retry echo -n echo --timeout 1m       # a TCPShift: asks the controller, waits for the new run

Starts a shift that was rolled back, aborted or failed again from stable, with the spec it ran.
A CLI shift runs in this process, exactly as shift -f with the stored spec would (pre-flight,
live view, report; the run options of shift apply). A TCPShift gets the request annotation
tcpshift.io/request=retry (its spec is not changed); the controller starts a new run, records
condition Restarted (reason Retried) and an Event, and this command waits until it has.
Refused (exit 2, nothing written): a shift still running or paused (resume continues it), or
promoted (tcpshift rollback moves the traffic back first).
Exit codes: a CLI shift's as for shift (0 promoted, 3 rolled back, 4 aborted or paused); a
TCPShift's 0 started, 1 not started within --timeout; 2 refused, no such shift or bad flag.`;

/** Why a shift cannot be started again now, or undefined. */
export function retryRefusal(view: ShiftView): string | undefined {
  const ref = `${view.name} -n ${view.namespace}`;
  switch (view.phase) {
    case 'RolledBack':
    case 'Aborted':
    case 'Failed':
      return undefined;
    case 'Promoted':
      return `shift ${view.name} was promoted: nothing to retry; tcpshift rollback ${ref} moves the traffic back to stable, then retry runs it again`;
    case 'Paused':
      return `shift ${view.name} is paused at step ${view.step.number}/${view.step.of}: nothing to retry; tcpshift resume ${ref} continues it, or tcpshift abort ${ref} and then retry to start over`;
    default:
      return view.activity === 'holder-dead'
        ? `shift ${view.name}'s process is gone mid-shift: nothing to retry; tcpshift resume ${ref} continues it, or tcpshift abort ${ref} and then retry to start over`
        : `shift ${view.name} is still running (${view.phase}): nothing to retry; watch it with tcpshift status ${ref} -w`;
  }
}

type RetryFlags = ClusterFlags & RunFlags & { namespace?: string; timeout: string };

const RETRY_PLAN: RequestPlan = {
  action: 'retry',
  words: 'retry (a new run from stable)',
  refusal: retryRefusal,
  done: (now, before) => now.startedAt !== before.startedAt || !['RolledBack', 'Aborted', 'Failed'].includes(now.phase),
};

export function retryVerb(ctx: CliContext): Command {
  const command = makeCommand('retry', 'Start a rolled-back, aborted or failed shift again from stable, with the spec it ran.', EXAMPLES);
  addNamespaceOption(command);
  addClusterOptions(command);
  addRunOptions(command);
  addTimeoutOption(command);
  return command.action(async (name: string, flags: RetryFlags) => {
    // bad flags are exit 2 before anything is read
    lockTtlMs(flags);
    apiDeadlineMs(flags);
    const timeoutMs = durationFlag('--timeout', flags.timeout, { maxMs: MAX_FLAG_WAIT_MS });
    const kube = connectCluster(flags, ctx);
    try {
      const looked = await lookUp(kube, name, flags.namespace, ctx);
      if (looked.found.kind === 'controller') {
        await request(kube, looked, RETRY_PLAN, { timeoutMs, output: flags.output }, ctx);
        return;
      }
      const refusal = retryRefusal(looked.view);
      if (refusal) throw new UsageError(refusal);
      await runStoredShift(kube, looked.found, flags, ctx);
    } finally {
      kube.close();
    }
  });
}
