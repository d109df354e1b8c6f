// The pure parts of the controller: conditions, the status it writes, the engine record it
// resumes from, the spec identity, and which request wins.
import { describe, expect, it } from 'vitest';
import {
  buildStatus,
  effectiveRequest,
  mergeConditions,
  readStoredRun,
  reopenForRollback,
  runKey,
  stableJson,
  type WrittenStatus,
} from '../../src/controller/index.js';
import { initialState, phaseOf, SHIFT_PHASE_NAMES, ShiftAnnotations, type ShiftState } from '../../src/shift/index.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { TCPShiftResource } from '../../src/spec/tcpshift-schema.js';
import { longLived, newConnections, shiftDocument, T0 } from '../support/shift-fixtures.js';

const spec = (changes: Record<string, unknown> = {}): TCPShiftResource['spec'] => {
  const parsed = parseTCPShiftObject(shiftDocument(changes));
  if (!parsed.ok) throw new Error('bad fixture');
  return parsed.resource.spec;
};

const baking = (stepIndex: number): ShiftState => ({ ...initialState(T0), phase: 'baking', stepIndex, bakeUntil: T0 + 10_000, probeStartedAt: T0 });

const step = (index: number, targetWeight: number) => ({
  index,
  targetWeight,
  startedAt: T0,
  endedAt: T0 + 10_000,
  verdict: 'ok' as const,
  reasons: [],
  newConnections: newConnections({ split: {} }),
  longLived: longLived(),
  reconnectWave: 0,
  drainWindow: null,
  notes: [],
});

describe('conditions', () => {
  it('keep lastTransitionTime while the status stays, move it when the status flips; other types are kept', () => {
    const first = mergeConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Progressing', message: 'step 1' }], 1, 't1');
    const again = mergeConditions([...first, { type: 'Restarted', status: 'True', lastTransitionTime: 't0' }], [{ type: 'Ready', status: 'False', reason: 'Progressing', message: 'step 2' }], 2, 't2');
    expect(again).toEqual([
      { type: 'Ready', status: 'False', reason: 'Progressing', message: 'step 2', lastTransitionTime: 't1', observedGeneration: 2 },
      { type: 'Restarted', status: 'True', lastTransitionTime: 't0' },
    ]);
    const flipped = mergeConditions(again, [{ type: 'Ready', status: 'True', reason: 'Promoted', message: 'done' }], 2, 't3');
    expect(flipped[0]).toMatchObject({ status: 'True', lastTransitionTime: 't3' });
  });

  it('map every engine phase to one of the seven phases people read (an abort is Aborted)', () => {
    const phases = SHIFT_PHASE_NAMES.map((phase) => [phase, phaseOf({ ...initialState(T0), phase })]);
    expect(Object.fromEntries(phases)).toEqual({
      pending: 'Pending',
      stepping: 'Progressing',
      baking: 'Progressing',
      waiting: 'Progressing',
      promoting: 'Progressing',
      'rolling-back': 'Progressing',
      paused: 'Paused',
      promoted: 'Promoted',
      'rolled-back': 'RolledBack',
      aborted: 'Aborted',
      failed: 'Failed',
    });
  });

  it('say why in Degraded: a breach is Degraded, an operator rollback is not', () => {
    const rolledBack = (cause: 'breach' | 'operator'): ShiftState => ({
      ...initialState(T0),
      phase: 'rolled-back',
      stepIndex: 1,
      reason: 'why',
      rollback: { cause, reason: 'why', detectedAt: T0, restoredAt: T0 + 5 },
    });
    const degraded = (state: ShiftState) => buildStatus({ state, spec: spec(), generation: 1, previous: undefined, now: T0 }).conditions?.find((c) => c.type === 'Degraded');
    expect(degraded(rolledBack('breach'))).toMatchObject({ status: 'True', reason: 'Breach', message: 'why' });
    expect(degraded(rolledBack('operator'))).toMatchObject({ status: 'False', reason: 'AsExpected' });
  });
});

describe('the status and its engine record', () => {
  it('round-trips the state through the status (steps and rollback stored once, per-connection lists dropped)', () => {
    const state: ShiftState = {
      ...baking(1),
      original: { stable: 100, canary: 0 },
      steps: [step(0, 20)],
      rollback: { cause: 'breach', reason: 'x', detectedAt: T0, restoredAt: T0 + 7 },
    };
    const status = buildStatus({ state, spec: spec(), weights: { stable: 50, canary: 50 }, generation: 3, previous: undefined, now: T0 });
    expect(status).toMatchObject({ phase: 'Progressing', currentStep: 2, weights: { stable: 50, canary: 50 }, observedGeneration: 3, rollback: { detectionToRestoreMs: 7 } });
    const wire = JSON.parse(JSON.stringify(status)) as WrittenStatus;
    const stored = readStoredRun(wire);
    const compact = { ...state, steps: [{ ...step(0, 20), longLived: { ...step(0, 20).longLived, connections: [] } }] };
    expect(stored?.state).toEqual(compact);
    expect(stored?.spec).toEqual(spec());
    expect(readStoredRun({ phase: 'Pending' })).toBeUndefined();
    expect(() => readStoredRun({ engine: { version: 9 } })).toThrow(/not a tcpshift engine record/);
  });

  it('a run is the same whatever paused, onDelete or the field order say; any other change is a new run', () => {
    const a = spec();
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    expect(runKey({ ...reordered, paused: true, onDelete: 'keep' })).toBe(runKey(a));
    expect(runKey(spec({ 'spec.schedule.steps': [30, 100] }))).not.toBe(runKey(a));
    expect(stableJson({ b: 1, a: [{ d: 2, c: 1 }] })).toBe('{"a":[{"c":1,"d":2}],"b":1}');
  });
});

describe('requests', () => {
  const object = (annotations: Record<string, string> = {}) => ({ metadata: { annotations } });

  it('deletion beats a spec change, which beats an annotation, which beats spec.paused', () => {
    const abort = object({ [ShiftAnnotations.request]: 'abort', [ShiftAnnotations.requestedBy]: 'ann' });
    expect(effectiveRequest({ object: abort, paused: true, deleting: true, specChangedAt: 4 })).toEqual({ action: 'rollback', by: 'the deletion of the TCPShift' });
    expect(effectiveRequest({ object: abort, paused: true, deleting: false, specChangedAt: 4 })).toEqual({ action: 'rollback', by: 'a spec change (generation 4)' });
    expect(effectiveRequest({ object: abort, paused: true, deleting: false })).toEqual({ action: 'abort', by: 'ann' });
    expect(effectiveRequest({ object: object(), paused: true, deleting: false })).toEqual({ action: 'pause', by: 'spec.paused' });
    expect(effectiveRequest({ object: object({ [ShiftAnnotations.request]: 'bogus' }), paused: false, deleting: false })).toBeUndefined();
  });

  it('a rollback after the end reopens the shift as rolling-back, keeping its steps', () => {
    const promoted: ShiftState = { ...initialState(T0), phase: 'promoted', stepIndex: 2, steps: [step(0, 20)], reason: 'done', endedAt: T0 + 1 };
    expect(reopenForRollback(promoted, 'me', T0 + 5)).toEqual({
      ...initialState(T0),
      phase: 'rolling-back',
      stepIndex: 2,
      steps: [step(0, 20)],
      rollback: { cause: 'operator', reason: 'rollback requested by me', detectedAt: T0 + 5 },
      updatedAt: T0 + 5,
    });
  });
});
