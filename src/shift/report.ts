/**
 * The report of a shift (report.json, DESIGN section 3) from its final state, pure. Also
 * attributes each drained long-lived connection to the weight change that cut it: with a bake
 * shorter than the drain, a step's reconnect wave lands while the next step runs.
 */
import type { EndedConnection } from '../probe/index.js';
import type { ShiftOutcome, ShiftReport, StepReport, WeightPair } from '../report/index.js';
import { outcomeOf, type ShiftState } from './state.js';

export interface ReportContext {
  name: string;
  namespace: string;
  /** `VirtualService echo/echo` */
  target: string;
  schedule: { steps: number[]; bakeMs: number };
  /** Weights read back from the API at the end. */
  finalWeights: WeightPair;
  now: number;
}

export function buildReport(state: ShiftState, context: ReportContext): ShiftReport {
  const outcome: ShiftOutcome = outcomeOf(state) ?? (state.phase === 'paused' ? 'paused' : 'failed');
  const report: ShiftReport = {
    name: context.name,
    namespace: context.namespace,
    target: context.target,
    outcome,
    startedAt: state.startedAt,
    endedAt: state.endedAt ?? context.now,
    finalWeights: context.finalWeights,
    originalWeights: state.original ?? null,
    schedule: { steps: [...context.schedule.steps], bakeMs: context.schedule.bakeMs },
    steps: attributeReconnectWaves(state.steps),
    ...(state.reason !== undefined ? { reason: state.reason } : {}),
    warnings: [...state.warnings, ...(state.phase === 'failed' && !state.rollback && state.reason ? [state.reason] : [])],
  };
  if (state.rollback) {
    const { reason, detectedAt, restoredAt, cause } = state.rollback;
    report.rollback = {
      reason,
      cause,
      detectedAt,
      restoredAt: restoredAt ?? null,
      detectionToRestoreMs: restoredAt === undefined ? null : Math.max(0, restoredAt - detectedAt),
    };
  }
  return report;
}

/**
 * reconnectWave of each step: the drained connections whose end falls in that step's drain
 * window and that were opened before its weight change (the latest such step wins). Steps
 * without per-connection lists (kept compact on the route) keep their own count.
 */
export function attributeReconnectWaves(steps: readonly StepReport[]): StepReport[] {
  // Connection ids count per probe pool: a multi-port shift has one pool per match port.
  const drained = new Map<string, EndedConnection>();
  for (const step of steps) {
    for (const c of step.longLived.connections) {
      if (c.end === 'drained' && c.endedAt !== null) drained.set(`${c.port ?? ''}:${c.id}`, c as EndedConnection);
    }
  }
  const counts = new Map<number, number>();
  for (const end of drained.values()) {
    const owner = [...steps].reverse().find((s) => s.drainWindow && end.openedAt <= s.startedAt && end.endedAt >= s.drainWindow[0] && end.endedAt <= s.drainWindow[1]);
    if (owner) counts.set(owner.index, (counts.get(owner.index) ?? 0) + 1);
  }
  return steps.map((s) => ({ ...s, reconnectWave: s.longLived.connections.length > 0 ? (counts.get(s.index) ?? 0) : s.reconnectWave }));
}
