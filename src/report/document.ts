/**
 * report.json as written for people and scripts: `apiVersion`/`kind`, ISO 8601 timestamps,
 * steps numbered from 1 (`number`: the step's place in the schedule; a paused or interrupted
 * step that was baked again appears twice with one number). The schema is
 * `schemas/report.schema.json` (checked by test/report/report-schema.test.ts). In-process code
 * keeps working on `ShiftReport` (epoch milliseconds, 0-based index), converted here once.
 */
import type { LongLivedBlock } from '../probe/index.js';
import type { MetricResult } from '../analysis/index.js';
import { readPhase, type Phase } from '../spec/phase.js';
import type { ReportMarker, RollbackReport, ShiftReport, StepReport, StepVerdict, WeightPair } from './types.js';

export const REPORT_API_VERSION = 'tcpshift.io/v1alpha1';
export const REPORT_KIND = 'ShiftReport';

/** An ISO 8601 UTC timestamp (`2026-12-06T20:01:02.345Z`). */
export type IsoTime = string;

export interface LongLivedConnectionDocument {
  id: number;
  version: string | null;
  openedAt: IsoTime;
  endedAt: IsoTime | null;
  end: LongLivedBlock['connections'][number]['end'];
  detectionMs?: number;
  detail?: string;
  peerExcerpt?: string;
  port?: number;
}

export interface StepDocument {
  /** 1 for the schedule's first step. */
  number: number;
  targetWeight: number;
  startedAt: IsoTime;
  endedAt: IsoTime;
  durationMs: number;
  verdict: StepVerdict;
  reasons: string[];
  notes: string[];
  metrics?: MetricResult[];
  newConnections: StepReport['newConnections'];
  longLived: Omit<LongLivedBlock, 'connections'> & { connections: LongLivedConnectionDocument[] };
  reconnectWave: number;
  drainWindow: [IsoTime, IsoTime] | null;
  ports?: StepReport['ports'];
}

export interface RollbackDocument extends Omit<RollbackReport, 'detectedAt' | 'restoredAt'> {
  detectedAt: IsoTime;
  restoredAt: IsoTime | null;
}

export interface MarkerDocument extends Omit<ReportMarker, 'at'> {
  at: IsoTime;
}

export interface ShiftReportDocument {
  apiVersion: typeof REPORT_API_VERSION;
  kind: typeof REPORT_KIND;
  name: string;
  namespace: string;
  target: string;
  /** The one phase vocabulary (src/spec/phase.ts), as `status` and TCPShift .status.phase say it. */
  phase: Phase;
  /** DESIGN's outcome word for the same thing (promoted, rolled-back, aborted, failed, paused). */
  outcome: ShiftReport['outcome'];
  startedAt: IsoTime;
  endedAt: IsoTime;
  durationMs: number;
  finalWeights: WeightPair;
  originalWeights: WeightPair | null;
  schedule: ShiftReport['schedule'];
  steps: StepDocument[];
  rollback?: RollbackDocument;
  reason?: string;
  warnings: string[];
  markers?: MarkerDocument[];
}

export const isoOf = (epochMs: number): IsoTime => new Date(epochMs).toISOString();
const isoOrNull = (epochMs: number | null): IsoTime | null => (epochMs === null ? null : isoOf(epochMs));

function longLivedDocument(block: LongLivedBlock): StepDocument['longLived'] {
  return {
    ...block,
    connections: block.connections.map((c) => ({ ...c, openedAt: isoOf(c.openedAt), endedAt: isoOrNull(c.endedAt) })),
  };
}

function stepDocument(step: StepReport): StepDocument {
  return {
    number: step.index + 1,
    targetWeight: step.targetWeight,
    startedAt: isoOf(step.startedAt),
    endedAt: isoOf(step.endedAt),
    durationMs: Math.max(0, step.endedAt - step.startedAt),
    verdict: step.verdict,
    reasons: step.reasons,
    notes: step.notes,
    ...(step.metrics ? { metrics: step.metrics } : {}),
    newConnections: step.newConnections,
    longLived: longLivedDocument(step.longLived),
    reconnectWave: step.reconnectWave,
    drainWindow: step.drainWindow ? [isoOf(step.drainWindow[0]), isoOf(step.drainWindow[1])] : null,
    ...(step.ports ? { ports: step.ports } : {}),
  };
}

function rollbackDocument(rollback: RollbackReport): RollbackDocument {
  return { ...rollback, detectedAt: isoOf(rollback.detectedAt), restoredAt: isoOrNull(rollback.restoredAt) };
}

/** The document written as report.json (and printed by `tcpshift report -o json`). */
export function reportDocument(report: ShiftReport): ShiftReportDocument {
  return {
    apiVersion: REPORT_API_VERSION,
    kind: REPORT_KIND,
    name: report.name,
    namespace: report.namespace,
    target: report.target,
    phase: readPhase(report.outcome) ?? 'Failed',
    outcome: report.outcome,
    startedAt: isoOf(report.startedAt),
    endedAt: isoOf(report.endedAt),
    durationMs: Math.max(0, report.endedAt - report.startedAt),
    finalWeights: report.finalWeights,
    originalWeights: report.originalWeights,
    schedule: report.schedule,
    steps: report.steps.map(stepDocument),
    ...(report.rollback ? { rollback: rollbackDocument(report.rollback) } : {}),
    ...(report.reason !== undefined ? { reason: report.reason } : {}),
    warnings: report.warnings,
    ...(report.markers?.length ? { markers: report.markers.map((m) => ({ ...m, at: isoOf(m.at) })) } : {}),
  };
}
