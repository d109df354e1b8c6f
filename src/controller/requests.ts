/**
 * What the engine is asked to do for a TCPShift, pure, strongest first: deletion (onDelete:
 * rollback), a spec change mid-shift (back to stable before restarting), an operator request
 * (annotation `tcpshift.io/request: abort|rollback|pause`, written by `tcpshift abort|rollback`
 * or kubectl annotate), then `spec.paused: true`.
 */
import type { KubeObject } from '../kube/index.js';
import { readRequest, ShiftAnnotations, withoutStepFields, type OperatorRequest, type ShiftState } from '../shift/index.js';

/** The finalizer that makes deleting a progressing TCPShift roll its route back first. */
export const ROLLBACK_FINALIZER = 'tcpshift.io/rollback';

export interface RequestSources {
  object: KubeObject;
  paused: boolean;
  deleting: boolean;
  /** Generation of a spec change the current run must give way to. */
  specChangedAt?: number;
}

export function annotationRequest(object: KubeObject): OperatorRequest | undefined {
  return readRequest(object.metadata.annotations ?? {});
}

export function effectiveRequest(sources: RequestSources): OperatorRequest | undefined {
  if (sources.deleting) return { action: 'rollback', by: 'the deletion of the TCPShift' };
  if (sources.specChangedAt !== undefined) return { action: 'rollback', by: `a spec change (generation ${sources.specChangedAt})` };
  const annotated = annotationRequest(sources.object);
  if (annotated) return annotated;
  return sources.paused ? { action: 'pause', by: 'spec.paused' } : undefined;
}

/** An abort or rollback annotation is removed once the shift has ended; a pause stays (it is a level). */
export function requestToClear(object: KubeObject): boolean {
  const request = annotationRequest(object);
  return request !== undefined && request.action !== 'pause';
}

export const clearedRequest = { [ShiftAnnotations.request]: null, [ShiftAnnotations.requestedBy]: null };

export function hasFinalizer(object: KubeObject): boolean {
  return (object.metadata.finalizers ?? []).includes(ROLLBACK_FINALIZER);
}

/** The finalizers with ours added or removed. */
export function finalizersWith(object: KubeObject, present: boolean): string[] {
  const others = (object.metadata.finalizers ?? []).filter((f) => f !== ROLLBACK_FINALIZER);
  return present ? [...others, ROLLBACK_FINALIZER] : others;
}

/**
 * A shift that already ended, asked to roll back (`tcpshift rollback` after a promotion): back to
 * rolling-back, so the engine writes canary 0 (state persisted first) and ends rolled-back.
 */
export function reopenForRollback(state: ShiftState, by: string | undefined, now: number): ShiftState {
  const reason = `rollback requested${by ? ` by ${by}` : ''}`;
  const { endedAt: _e, reason: _r, ...rest } = withoutStepFields(state);
  return { ...rest, phase: 'rolling-back', rollback: { cause: 'operator', reason, detectedAt: now }, updatedAt: now };
}
