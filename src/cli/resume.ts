import { Command } from 'commander';
import type { KubeClient } from '../kube/index.js';
import { isTerminal, lockState, ShiftAnnotations } from '../shift/index.js';
import { addClusterOptions, addNamespaceOption, connectCluster, type ClusterFlags } from './cluster-options.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';
import { localProcesses } from './process-probe.js';
import { addRunOptions, apiDeadlineMs, lockTtlMs, type RunFlags } from './shift-options.js';
import { runStoredShift } from './stored-run.js';
import { cliResumeRefusal, controllerResumeRefusal } from './resume-refusal.js';
import { findShift, supersededNote, type ControllerShift } from './shift-target.js';

const EXAMPLES = `
Examples:
  tcpshift resume echo -n echo
  tcpshift resume echo -n echo --probe-address 127.0.0.1:31400 -o json
  tcpshift resume echo -n echo --prometheus http://127.0.0.1:9090

Continues a paused shift, or one whose process died (its lock expired, or its pid is gone on this
host), from the state and spec kept on its route: the current step's weight is not written again
(it is in place); its probes are opened afresh and it bakes for a whole bake; no step is repeated
or skipped. A rollback that was in flight is finished. The pre-flight of shift (routing chain,
probe identification) runs first; nothing is written when it fails (exit 2). A TCPShift run by the
controller is unpaused instead.
A shift that has ended is not resumed (exit 2, nothing written): after a promotion use
tcpshift rollback NAME to move the traffic back; to run a rolled-back, aborted or failed shift
again from stable use tcpshift retry NAME. A TCPShift paused by tcpshift pause has its request
removed (spec.paused is set to false only when it is true).
Exit codes as for shift: 0 promoted, 3 rolled back, 4 aborted or paused, 2 nothing to resume
(ended, or no state), the shift runs elsewhere, or bad flag, 1 unexpected error.`;

export function resumeVerb(ctx: CliContext): Command {
  const command = new Command('resume').description('Continue a paused or interrupted shift from the state kept on its route.').argument('<name>', 'the shift (TCPShift metadata.name)');
  addNamespaceOption(command);
  addClusterOptions(command);
  addRunOptions(command);
  return command.addHelpText('after', EXAMPLES).action(async (name: string, flags: RunFlags & ClusterFlags & { namespace?: string }) => {
    // bad flags are exit 2 before anything is read
    lockTtlMs(flags);
    apiDeadlineMs(flags);
    const kube = connectCluster(flags, ctx);
    try {
      const found = await findShift(kube, name, flags.namespace);
      if (found.kind === 'controller') {
        ctx.setExitCode(await unpause(found, kube, ctx));
        return;
      }
      const state = found.state;
      if (!state) throw new UsageError(`shift ${name} has no state on ${found.router.description}: nothing to resume`);
      if (isTerminal(state.phase)) throw new UsageError(cliResumeRefusal(name, state, found.router.description));
      const lock = lockState(found.snapshot.annotations, ctx.clock.now(), localProcesses);
      if (lock.kind === 'held') throw new UsageError(`shift ${name} is running in ${lock.holder.identity}: nothing to resume (tcpshift status ${name})`);
      await runStoredShift(kube, found, flags, ctx, state);
    } finally {
      kube.close();
    }
  });
}

async function unpause(found: ControllerShift, kube: KubeClient, ctx: CliContext): Promise<number> {
  const refusal = controllerResumeRefusal(found.name, found.namespace, found.object.status);
  if (refusal) throw new UsageError(refusal);
  // A pause request is removed; spec.paused is set to false only when it is true (the user's own edit).
  const pausedInSpec = (found.object.spec as { paused?: boolean } | undefined)?.paused === true;
  await kube.tcpShifts.patch(found.name, found.namespace, {
    type: 'merge',
    body: { metadata: { annotations: { [ShiftAnnotations.request]: null, [ShiftAnnotations.requestedBy]: null } }, ...(pausedInSpec ? { spec: { paused: false } } : {}) },
  });
  ctx.stdout.write(supersededNote(found));
  ctx.stdout.write(`TCPShift ${found.namespace}/${found.name}: ${pausedInSpec ? 'spec.paused set to false' : 'pause request removed'}; the controller continues it\n`);
  return ExitCode.Ok;
}
