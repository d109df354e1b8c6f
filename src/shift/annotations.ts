/**
 * A CLI shift's state on its route (VirtualService or TCPRoute), under the `tcpshift.io/` prefix,
 * so `status`, `abort`, `resume` and `rollback` work from any terminal:
 *   tcpshift.io/state            the ShiftState as JSON (steps without per-connection lists)
 *   tcpshift.io/phase, /step     the phase (src/spec/phase.ts) and step for `kubectl get -o yaml` readers
 *   tcpshift.io/original-weights weights found before the first write, `stable=100,canary=0`
 *   tcpshift.io/holder, /expires who runs it (host/pid/random) and until when (renewed)
 *   tcpshift.io/spec             the TCPShift it runs, as JSON (`resume NAME` needs no file)
 *   tcpshift.io/request          abort | rollback | pause | promote:STEP | promote-full | retry (a
 *                                TCPShift only), set by another process (or kubectl annotate)
 *   tcpshift.io/requested-by     who asked
 * and the label tcpshift.io/shift=<name> (the shift that last started on the object). On a
 * VirtualService every key above is per tcp route: stored with the route's match port as suffix
 * (`tcpshift.io/state.31400`); the router shows one route's keys under these plain names.
 */
import { RouteAnnotations, type MetadataChanges } from '../router/index.js';
import type { OperatorAction, OperatorRequest } from './decide.js';
import { phaseOf, SHIFT_PHASE_NAMES, type ShiftState } from './state.js';

export const SHIFT_LABEL = 'tcpshift.io/shift';

/**
 * The names as the route's view shows them; on a VirtualService each is stored with the route's
 * match port as suffix (`tcpshift.io/state.31400`), see src/router/route-annotations.ts.
 */
export const ShiftAnnotations = RouteAnnotations;

export const OPERATOR_ACTIONS: readonly OperatorAction[] = ['abort', 'rollback', 'pause', 'promote', 'promote-full', 'retry'];

/** A label value is at most 63 characters; longer shift names are found by annotation only. */
export function shiftLabel(name: string): MetadataChanges {
  return name.length <= 63 ? { [SHIFT_LABEL]: name } : {};
}

/** The state without per-connection lists (annotations are small; the report file has them). */
export function compactState(state: ShiftState): ShiftState {
  return { ...state, steps: state.steps.map((s) => ({ ...s, longLived: { ...s.longLived, connections: [] } })) };
}

export function stateAnnotations(state: ShiftState, stepCount: number): MetadataChanges {
  const original = state.original ? `stable=${state.original.stable},canary=${state.original.canary}` : null;
  return {
    [ShiftAnnotations.state]: JSON.stringify(compactState(state)),
    [ShiftAnnotations.phase]: phaseOf(state),
    [ShiftAnnotations.step]: `${Math.max(0, state.stepIndex + 1)}/${stepCount}`,
    [ShiftAnnotations.originalWeights]: original,
  };
}

/** Remove the request once it has been honoured (or a new shift starts). */
export const clearRequest: MetadataChanges = { [ShiftAnnotations.request]: null, [ShiftAnnotations.requestedBy]: null };

export class StateFormatError extends Error {
  override readonly name = 'StateFormatError';
}

/** The state kept on the route; undefined when there is none. StateFormatError when it is not one. */
export function readShiftState(annotations: Readonly<Record<string, string>>): ShiftState | undefined {
  const text = annotations[ShiftAnnotations.state];
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StateFormatError(`annotation ${ShiftAnnotations.state} is not JSON`);
  }
  const v = value as Partial<ShiftState> | null;
  if (
    typeof v !== 'object' || v === null || v.version !== 1 || !SHIFT_PHASE_NAMES.includes(v.phase as ShiftState['phase']) ||
    typeof v.stepIndex !== 'number' || typeof v.startedAt !== 'number' || !Array.isArray(v.steps)
  ) {
    throw new StateFormatError(`annotation ${ShiftAnnotations.state} is not a tcpshift state (version 1)`);
  }
  return { warnings: [], ...v } as ShiftState;
}

/** The TCPShift document stored with the state (JSON), or undefined. */
export function readStoredSpec(annotations: Readonly<Record<string, string>>): unknown {
  const text = annotations[ShiftAnnotations.spec];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StateFormatError(`annotation ${ShiftAnnotations.spec} is not JSON`);
  }
}

/** The name of the shift whose spec is stored for this route (metadata.name), when readable. */
export function storedShiftName(annotations: Readonly<Record<string, string>>): string | undefined {
  let stored: unknown;
  try {
    stored = readStoredSpec(annotations);
  } catch {
    return undefined;
  }
  const name = (stored as { metadata?: { name?: unknown } } | null | undefined)?.metadata?.name;
  return typeof name === 'string' ? name : undefined;
}

/** An operator request written on the route; unknown values are ignored. */
export function readRequest(annotations: Readonly<Record<string, string>>): OperatorRequest | undefined {
  const [action, step] = (annotations[ShiftAnnotations.request]?.trim() ?? '').split(':') as [OperatorAction, string | undefined];
  if (!OPERATOR_ACTIONS.includes(action) || (action === 'promote') !== (step !== undefined)) return undefined;
  if (step !== undefined && !/^[1-9]\d{0,3}$/.test(step)) return undefined;
  const by = annotations[ShiftAnnotations.requestedBy];
  return { action, ...(step !== undefined ? { step: Number(step) } : {}), ...(by ? { by } : {}) };
}

/** The request annotations; a `promote` names the step (counted from 1) whose bake it ends: `promote:2`. */
export function requestAnnotations(action: OperatorAction, by: string, step?: number): MetadataChanges {
  return { [ShiftAnnotations.request]: action === 'promote' ? `promote:${step ?? 0}` : action, [ShiftAnnotations.requestedBy]: by };
}
