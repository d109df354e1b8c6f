/**
 * The engine's state kept in a TCPShift's .status, pure. The state is split so nothing is
 * stored twice: `status.steps` (the finished step records, without per-connection lists) and
 * `status.rollback` are read by users too; `status.engine` holds the rest of the ShiftState and
 * the spec the state runs (so a spec change mid-shift can still roll back the route the old spec
 * named, and a restarted or standby controller resumes exactly where the status says).
 */
import { compactState, SHIFT_PHASE_NAMES, type RollbackState, type ShiftState } from '../shift/index.js';
import type { StepReport } from '../report/index.js';
import { parseTCPShiftObject } from '../spec/parse-tcpshift.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';

export const ENGINE_RECORD_VERSION = 1;

export interface EngineRecord {
  version: typeof ENGINE_RECORD_VERSION;
  /** The TCPShift spec this state runs, defaults applied. */
  spec: TCPShiftResource['spec'];
  /** The ShiftState without `steps` and `rollback` (in status.steps / status.rollback). */
  state: Omit<ShiftState, 'steps' | 'rollback'>;
}

export interface StoredRun {
  spec: TCPShiftResource['spec'];
  state: ShiftState;
}

/** A status field that is not what this controller writes. */
export class EngineRecordError extends Error {
  override readonly name = 'EngineRecordError';
}

/** status.engine, status.steps and status.rollback of a state (compact: no per-connection lists). */
export function engineFields(spec: TCPShiftResource['spec'], state: ShiftState): { engine: EngineRecord; steps: StepReport[]; rollback?: RollbackState & { detectionToRestoreMs?: number } } {
  const { steps, rollback, ...rest } = compactState(state);
  return {
    engine: { version: ENGINE_RECORD_VERSION, spec, state: rest },
    steps,
    ...(rollback ? { rollback: { ...rollback, ...(rollback.restoredAt !== undefined ? { detectionToRestoreMs: Math.max(0, rollback.restoredAt - rollback.detectedAt) } : {}) } } : {}),
  };
}

interface StatusFields {
  engine?: Partial<EngineRecord> | null;
  steps?: unknown;
  rollback?: unknown;
}

/** The run recorded in a status; undefined when there is none. EngineRecordError when it is malformed. */
export function readStoredRun(status: unknown): StoredRun | undefined {
  const fields = (status ?? {}) as StatusFields;
  if (fields.engine === undefined) return undefined;
  const engine = fields.engine;
  const state = engine?.state as Partial<ShiftState> | undefined;
  if (
    typeof engine !== 'object' || engine === null || engine.version !== ENGINE_RECORD_VERSION || typeof engine.spec !== 'object' ||
    typeof state !== 'object' || !SHIFT_PHASE_NAMES.includes(state.phase as ShiftState['phase']) || typeof state.stepIndex !== 'number' || typeof state.startedAt !== 'number'
  ) {
    throw new EngineRecordError(`status.engine is not a tcpshift engine record (version ${ENGINE_RECORD_VERSION})`);
  }
  const steps = Array.isArray(fields.steps) ? (fields.steps as StepReport[]) : [];
  const rollback = storedRollback(fields.rollback);
  const recorded = state as Omit<ShiftState, 'steps' | 'rollback'>;
  const warnings: unknown = recorded.warnings;
  return { spec: engine.spec, state: { ...recorded, warnings: Array.isArray(warnings) ? (warnings as string[]) : [], steps, ...(rollback ? { rollback } : {}) } };
}

function storedRollback(value: unknown): RollbackState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { detectionToRestoreMs: _d, ...rollback } = value as RollbackState & { detectionToRestoreMs?: number };
  return rollback;
}

/** The stored spec resolved for a TCPShift named so; undefined when it no longer parses. */
export function resolveStoredSpec(spec: TCPShiftResource['spec'], metadata: { name: string; namespace: string }): { shift: ResolvedShift; resource: TCPShiftResource } | undefined {
  const parsed = parseTCPShiftObject({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', metadata, spec });
  return parsed.ok ? { shift: parsed.shift, resource: parsed.resource } : undefined;
}

/**
 * What identifies "the same shift" in a spec: everything but `paused` (pausing is not a new
 * release) and `onDelete` (what deletion does). Keys sorted, so field order does not matter.
 */
export function runKey(spec: TCPShiftResource['spec']): string {
  const { paused: _p, onDelete: _o, ...rest } = spec as Record<string, unknown>;
  return stableJson(rest);
}

/** JSON with object keys sorted, so equal documents compare equal whatever the field order (Go servers sort keys). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
