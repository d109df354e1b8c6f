/**
 * `resume` continues a paused or interrupted shift only. On a shift that has ended it refuses
 * (exit 2, nothing written) and says what to do instead, rather than claiming to continue. Pure.
 */
import { phaseOf, type ShiftState } from '../shift/index.js';
import { isEnded, readPhase } from '../spec/phase.js';

function why(reason: string | undefined): string {
  return reason ? `: ${reason}` : '';
}

/** A CLI shift that ended: promoted (roll it back, or start again), rolled back / aborted / failed (start again). */
export function cliResumeRefusal(name: string, state: ShiftState, route: string): string {
  const again = `to run it again from stable: tcpshift retry ${name}`;
  if (state.phase === 'promoted') {
    return `shift ${name} was promoted${why(state.reason)} (the canary carries the traffic of ${route}): nothing to resume; ` +
      `to move the traffic back use tcpshift rollback ${name}; ${again}`;
  }
  return `shift ${name} already ended ${phaseOf(state)}${why(state.reason)} (${route} is back on stable): nothing to resume; ${again}`;
}

/** undefined unless the TCPShift's status says its run has ended. */
export function controllerResumeRefusal(name: string, namespace: string, status: { phase?: string; conditions?: Array<{ type: string; message?: string }> } | undefined): string | undefined {
  const phase = readPhase(status?.phase);
  if (!phase || !isEnded(phase)) return undefined;
  const message = status?.conditions?.find((c) => c.type === 'Ready')?.message;
  const back = phase === 'Promoted' ? `to move the traffic back use tcpshift rollback ${name}; ` : '';
  const again = phase === 'Promoted' ? 'then ' : '';
  return `TCPShift ${namespace}/${name} has ended (${phase}${why(message)}): nothing to resume; ${back}` +
    `${again}to run it again from stable: tcpshift retry ${name} -n ${namespace}`;
}
