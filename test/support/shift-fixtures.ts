// Shift specs, probe blocks and observations for the pure tests of src/shift, src/report and the CLI.
import { echoShiftDocument } from '../../src/cli/demo.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { ResolvedShift } from '../../src/spec/resolved-shift.js';
import type { EndKind, LongLivedBlock, LongLivedConnectionRecord, NewConnectionsBlock, SplitVerdict } from '../../src/probe/index.js';
import type { Observation, ProbeStatus, RouteObservation } from '../../src/shift/index.js';
import { withChanges, type Doc } from '../spec/examples.js';

export const T0 = Date.UTC(2026, 10, 21, 10, 54, 0);

/** A TCPShift document for the sandbox's echo route: steps 20/50/100, bake 10 s, drain 2 s. */
export function shiftDocument(changes: Record<string, unknown> = {}): Doc {
  const doc = echoShiftDocument({
    schedule: { steps: [20, 50, 100], bake: '10s' },
    probe: { address: '127.0.0.1:31400', longLived: { connections: 4, heartbeat: '500ms', timeout: '1s' }, newConnections: { perStep: 1000, concurrency: 20 } },
    analysis: { drainDuration: '2s' },
  });
  return withChanges(doc, changes);
}

export function shiftFor(changes: Record<string, unknown> = {}): ResolvedShift {
  const result = parseTCPShiftObject(shiftDocument(changes));
  if (!result.ok) throw new Error(`bad fixture: ${JSON.stringify(result.issues)}`);
  return result.shift;
}

export function ended(id: number, end: EndKind, endedAt: number, extra: Partial<LongLivedConnectionRecord> = {}): LongLivedConnectionRecord {
  return { id, version: 'v1', openedAt: T0 - 1000, endedAt, end, ...extra };
}

export function open(id: number, version = 'v1'): LongLivedConnectionRecord {
  return { id, version, openedAt: T0 - 1000, endedAt: null, end: null };
}

/** A long-lived block holding these connection records (counts derived from them). */
export function longLived(connections: LongLivedConnectionRecord[] = [open(1), open(2)], heartbeats = 10): LongLivedBlock {
  const ends: Record<EndKind, number> = { drained: 0, closed: 0, reset: 0, timeout: 0, corrupt: 0, refused: 0 };
  for (const c of connections) if (c.end) ends[c.end]++;
  return { open: connections.filter((c) => c.end === null).length, heartbeats, ends, maxDetectionMs: null, connections };
}

export function newConnections(options: { ok?: number; canary?: number; failed?: Partial<NewConnectionsBlock['failuresByKind']>; split?: Partial<SplitVerdict> } = {}): NewConnectionsBlock {
  const ok = options.ok ?? 100;
  const canary = options.canary ?? 20;
  const failuresByKind = { refused: 0, timeout: 0, reset: 0, closed: 0, corrupt: 0, unidentified: 0, ...options.failed };
  const failed = Object.values(failuresByKind).reduce((a, b) => a + b, 0);
  const block: NewConnectionsBlock = {
    attempted: ok + failed,
    succeeded: ok,
    failed,
    byVersion: { v1: ok - canary, v2: canary },
    canaryVersion: 'v2',
    observedCanaryShare: ok === 0 ? null : canary / ok,
    interval: [Math.max(0, canary / ok - 0.05), Math.min(1, canary / ok + 0.05)],
    connectMs: { p50: 1, p99: 3 },
    ttfbMs: { p50: 1, p99: 4 },
    failuresByKind,
  };
  if (options.split) block.split = { targetShare: 0.2, tolerance: 0.05, confidence: 0.99, decision: 'consistent', samples: ok, ...options.split };
  return block;
}

export function probe(status: Partial<ProbeStatus> & { longLived?: LongLivedBlock; newConnections?: NewConnectionsBlock; samplingDone?: boolean } = {}): ProbeStatus {
  const { longLived: ll, newConnections: nc, samplingDone, ...rest } = status;
  return {
    ready: true,
    stepIndex: undefined,
    sampling: false,
    observation: { longLived: ll ?? longLived(), ...(nc ? { newConnections: nc } : {}), samplingDone: samplingDone ?? false },
    ...rest,
  };
}

export function route(canaryWeight: number, changedAt?: number): RouteObservation {
  return { canaryWeight, stableWeight: 100 - canaryWeight, ...(changedAt !== undefined ? { changedAt } : {}) };
}

export function observation(r: RouteObservation, p: ProbeStatus, request?: Observation['request']): Observation {
  return { route: r, probe: p, ...(request ? { request } : {}) };
}
