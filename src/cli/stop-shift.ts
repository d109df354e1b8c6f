/**
 * `abort NAME` and `rollback NAME`: with a live holder, ask it (annotation tcpshift.io/request;
 * the shifting process notices at once through its watch, rolls back and exits 4) and wait for
 * the outcome; with none (paused, its process died, or already ended), write canary 0 and the
 * final state in one patch here. A TCPShift run by the controller gets the same annotation.
 */
import { Command } from 'commander';
import type { KubeClient } from '../kube/index.js';
import type { MetadataChanges, RouteChange, RouteSnapshot } from '../router/index.js';
import {
  clearRequest,
  isTerminal,
  lockState,
  LockHeldError,
  operatorStop,
  phaseOf,
  readShiftState,
  releaseHolder,
  requestAnnotations,
  restoreShapeOf,
  ShiftAnnotations,
  stateAnnotations,
  type StopAction,
} from '../shift/index.js';
import { formatDuration } from '../util/duration.js';
import { addClusterOptions, addNamespaceOption, connectCluster, type ClusterFlags } from './cluster-options.js';
import { durationFlag, MAX_FLAG_WAIT_MS } from './duration-flag.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';
import { localProcesses } from './process-probe.js';
import { findShift, requester, supersededNote, type CliShift, type ControllerShift } from './shift-target.js';

interface StopFlags extends ClusterFlags {
  namespace?: string;
  timeout: string;
}

const POLL_MS = 200;

/** The holder went away while we asked it: act directly instead. */
class HolderGoneError extends Error {}

export function stopVerb(action: StopAction, description: string, examples: string): (ctx: CliContext) => Command {
  return (ctx) => {
    const command = new Command(action).description(description).argument('<name>', 'the shift (TCPShift metadata.name)');
    addNamespaceOption(command);
    addClusterOptions(command);
    command.option('--timeout <duration>', 'how long to wait for a running shift to act on the request (0: do not wait)', '30s');
    return command.addHelpText('after', examples).action(async (name: string, flags: StopFlags) => {
      const timeoutMs = durationFlag('--timeout', flags.timeout, { maxMs: MAX_FLAG_WAIT_MS });
      const kube = connectCluster(flags, ctx);
      try {
        const found = await findShift(kube, name, flags.namespace);
        const by = requester();
        ctx.setExitCode(found.kind === 'controller' ? await requestController(found, action, by, timeoutMs, kube, ctx) : await stopCliShift(found, action, by, timeoutMs, ctx));
      } finally {
        kube.close();
      }
    });
  };
}

/**
 * A TCPShift run by the controller: ask through the annotation, then wait (--timeout) until the
 * controller has honoured it (it removes the annotation once the shift has ended) and print the
 * outcome from the status.
 */
async function requestController(found: ControllerShift, action: StopAction, by: string, timeoutMs: number, kube: KubeClient, ctx: CliContext): Promise<number> {
  ctx.stdout.write(supersededNote(found));
  await kube.tcpShifts.patch(found.name, found.namespace, { type: 'merge', body: { metadata: { annotations: requestAnnotations(action, by) } } });
  const what = `TCPShift ${found.namespace}/${found.name}`;
  ctx.stdout.write(`${what}: ${action} requested (annotation ${ShiftAnnotations.request}) for the controller\n`);
  if (timeoutMs === 0) {
    ctx.stdout.write('not waiting (--timeout 0): see tcpshift status\n');
    return ExitCode.Ok;
  }
  const deadline = ctx.clock.now() + timeoutMs;
  while (ctx.clock.now() < deadline) {
    await ctx.clock.sleep(POLL_MS);
    const object = await kube.tcpShifts.get(found.name, found.namespace);
    if (object.metadata.annotations?.[ShiftAnnotations.request] !== undefined) continue;
    const status = (object.status ?? {}) as { phase?: string; weights?: { stable: number; canary: number }; conditions?: Array<{ type: string; message?: string }> };
    const why = status.conditions?.find((c) => c.type === 'Ready')?.message;
    const weights = status.weights ? `: stable ${status.weights.stable} / canary ${status.weights.canary}` : '';
    ctx.stdout.write(`${what} ${status.phase ?? 'ended'}${weights}${why ? ` (${why})` : ''}\n`);
    return ExitCode.Ok;
  }
  ctx.stderr.write(`error: the controller did not act on the request within ${formatDuration(timeoutMs)} (is it running?); the request stays on the TCPShift (see tcpshift status ${found.name})\n`);
  return ExitCode.Error;
}

async function stopCliShift(found: CliShift, action: StopAction, by: string, timeoutMs: number, ctx: CliContext): Promise<number> {
  const lock = lockState(found.snapshot.annotations, ctx.clock.now(), localProcesses);
  if (lock.kind === 'held' && (await askHolder(found, requestAnnotations(action, by), ctx))) {
    ctx.stdout.write(`shift ${found.namespace}/${found.name}: asked ${lock.holder.identity} to ${action}\n`);
    const outcome = timeoutMs > 0 ? await waitForOutcome(found, timeoutMs, ctx) : 'asked';
    if (outcome !== 'holder-gone') return report(found, outcome, timeoutMs, ctx);
  }
  return stopDirectly(found, action, by, ctx);
}

/**
 * Write a request on a CLI shift's route while its holder is alive (checked on the route as it is
 * when written); false, with nothing written, when the holder has gone meanwhile.
 */
export async function askHolder(found: CliShift, annotations: MetadataChanges, ctx: CliContext): Promise<boolean> {
  try {
    await found.router.update(
      (current) => {
        if (lockState(current.annotations, ctx.clock.now(), localProcesses).kind !== 'held') throw new HolderGoneError();
        return { annotations };
      },
      { basis: found.snapshot },
    );
    return true;
  } catch (error) {
    if (error instanceof HolderGoneError) return false;
    throw error;
  }
}

type Outcome = 'done' | 'asked' | 'timeout' | 'holder-gone';

async function waitForOutcome(found: CliShift, timeoutMs: number, ctx: CliContext): Promise<Outcome> {
  const deadline = ctx.clock.now() + timeoutMs;
  while (ctx.clock.now() < deadline) {
    await ctx.clock.sleep(POLL_MS);
    const snapshot = await found.router.read();
    const state = readShiftState(snapshot.annotations);
    if (state && isTerminal(state.phase)) return 'done';
    if (lockState(snapshot.annotations, ctx.clock.now(), localProcesses).kind !== 'held') return state && isTerminal(state.phase) ? 'done' : 'holder-gone';
  }
  return 'timeout';
}

async function report(found: CliShift, outcome: Outcome, timeoutMs: number, ctx: CliContext): Promise<number> {
  if (outcome === 'asked') {
    ctx.stdout.write('not waiting (--timeout 0): see tcpshift status\n');
    return ExitCode.Ok;
  }
  if (outcome === 'timeout') {
    ctx.stderr.write(`error: the shift did not act on the request within ${formatDuration(timeoutMs)}; the request stays on the route (see tcpshift status ${found.name})\n`);
    return ExitCode.Error;
  }
  const snapshot = await found.router.read();
  const state = readShiftState(snapshot.annotations);
  ctx.stdout.write(`shift ${found.namespace}/${found.name} ${state ? phaseOf(state) : 'ended'}: stable ${snapshot.weights.stable} / canary ${snapshot.weights.canary}${state?.reason ? ` (${state.reason})` : ''}\n`);
  return ExitCode.Ok;
}

async function stopDirectly(found: CliShift, action: StopAction, by: string, ctx: CliContext): Promise<number> {
  const next = operatorStop(found.state, action, by, ctx.clock.now());
  if (!next) {
    ctx.stdout.write(`shift ${found.namespace}/${found.name} already ended (${found.state ? phaseOf(found.state) : 'unknown'}): nothing to abort; tcpshift rollback ${found.name} moves the traffic back to stable\n`);
    return ExitCode.Ok;
  }
  const change = (current: RouteSnapshot): RouteChange => {
    const lock = lockState(current.annotations, ctx.clock.now(), localProcesses);
    if (lock.kind === 'held') throw new LockHeldError(`shift ${found.name} was taken by ${lock.holder.identity} meanwhile: run tcpshift ${action} ${found.name} again`, lock.holder);
    const restore = restoreShapeOf(next);
    return { canaryWeight: 0, ...(restore ? { restore } : {}), annotations: { ...stateAnnotations(next, found.shift.spec.schedule.steps.length), ...releaseHolder, ...clearRequest } };
  };
  const { snapshot } = await found.router.update(change, { basis: found.snapshot });
  ctx.stdout.write(`shift ${found.namespace}/${found.name} ${phaseOf(next)}: stable ${snapshot.weights.stable} / canary ${snapshot.weights.canary} written (${next.reason ?? action})\n`);
  return ExitCode.Ok;
}
