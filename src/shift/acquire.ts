/**
 * Taking a route for a CLI shift, pure: the change (holder, expiry, state, spec, label) that one
 * guarded write makes, or the reason it must not be made. `start` refuses a route with a live
 * holder or an unfinished shift (paused, or its process died: `resume` or `abort` that one);
 * `resume` refuses a live holder only and takes a dead one's place.
 */
import type { RouteChange, RouteSnapshot } from '../router/index.js';
import { clearRequest, readShiftState, ShiftAnnotations, shiftLabel, stateAnnotations, StateFormatError, storedShiftName } from './annotations.js';
import { holderAnnotations, lockState, LockHeldError, type ProcessProbe } from './lock.js';
import { isTerminal, type ShiftState } from './state.js';

export interface AcquireRequest {
  mode: 'start' | 'resume';
  name: string;
  identity: string;
  ttlMs: number;
  now: number;
  state: ShiftState;
  stepCount: number;
  /** The TCPShift document to keep on the route (for `resume NAME`). */
  resource: unknown;
  local?: ProcessProbe;
}

/** A route that already carries an unfinished shift: `start` must not overwrite it. */
export class UnfinishedShiftError extends Error {
  override readonly name = 'UnfinishedShiftError';
}

export function acquireChange(current: RouteSnapshot, request: AcquireRequest): RouteChange {
  const lock = lockState(current.annotations, request.now, request.local);
  const shiftName = storedShiftName(current.annotations) ?? request.name;
  if (lock.kind === 'held' && lock.holder.identity !== request.identity) {
    const left = Math.max(0, Math.ceil((lock.holder.expiresAt - request.now) / 1000));
    throw new LockHeldError(
      `shift ${shiftName} is running in ${lock.holder.identity} (its lock is renewed; expires in ${left}s if that process dies): ` +
        `refusing to run a second shift of the same route; see tcpshift status ${shiftName}, or tcpshift abort ${shiftName}`,
      lock.holder,
    );
  }
  if (request.mode === 'start') refuseUnfinished(current, shiftName, lock.kind === 'stale' ? lock.why : undefined);
  return {
    annotations: {
      ...holderAnnotations(request.identity, request.now + request.ttlMs),
      ...stateAnnotations(request.state, request.stepCount),
      [ShiftAnnotations.spec]: JSON.stringify(request.resource),
      ...clearRequest,
    },
    labels: shiftLabel(request.name),
  };
}

function refuseUnfinished(current: RouteSnapshot, shiftName: string, staleWhy: string | undefined): void {
  let existing: ShiftState | undefined;
  try {
    existing = readShiftState(current.annotations);
  } catch (error) {
    if (!(error instanceof StateFormatError)) throw error;
  }
  if (!existing || isTerminal(existing.phase)) return;
  const where = existing.stepIndex >= 0 ? ` at step ${existing.stepIndex + 1}` : '';
  const why = existing.phase === 'paused' ? 'it is paused' : `its process is gone${staleWhy ? ` (${staleWhy})` : ''}`;
  throw new UnfinishedShiftError(
    `shift ${shiftName} on this route is unfinished (${existing.phase}${where}; ${why}): ` +
      `continue it with tcpshift resume ${shiftName}, or end it with tcpshift abort ${shiftName} (or rollback) before starting another`,
  );
}
