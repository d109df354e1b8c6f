import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { endedConnections, renderMarkdown, reportDocument, renderTimelineSvg, weightPoints, writeReportFiles, type ShiftReport, type StepReport } from '../../src/report/index.js';
import { attributeReconnectWaves, buildReport, initialState, type ShiftState } from '../../src/shift/index.js';
import { repoRoot } from '../support/cli.js';
import { ended, longLived, newConnections, open, T0 } from '../support/shift-fixtures.js';

const validate = new Ajv({ allErrors: true }).compile(JSON.parse(await readFile(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object);

function step(index: number, targetWeight: number, startedAt: number, extra: Partial<StepReport> = {}): StepReport {
  return {
    index, targetWeight, startedAt, endedAt: startedAt + 4000, verdict: 'ok', reasons: [], notes: [], reconnectWave: 0,
    drainWindow: [startedAt + 1800, startedAt + 3000], newConnections: newConnections({ split: {} }), longLived: longLived(), ...extra,
  };
}

function rolledBackState(): ShiftState {
  const breach = step(1, 50, T0 + 4000, {
    verdict: 'breach',
    endedAt: T0 + 5000,
    reasons: ['long-lived connection 9 (v2) ended: reset <RST>'],
    longLived: longLived([ended(9, 'reset', T0 + 4990, { version: 'v2', openedAt: T0 + 3100 }), ended(2, 'drained', T0 + 4100, { openedAt: T0 - 1000 })]),
  });
  return {
    ...initialState(T0, ['bake 4s < drainDuration 45s + margin 11.25s']),
    phase: 'rolled-back',
    stepIndex: 1,
    original: { stable: 100, canary: 0 },
    endedAt: T0 + 5020,
    steps: [step(0, 20, T0, { longLived: longLived([ended(1, 'drained', T0 + 2000, { openedAt: T0 - 1000 }), open(2)]) }), breach],
    rollback: { cause: 'breach', reason: 'long-lived connection 9 (v2) ended: reset <RST>', detectedAt: T0 + 4990, restoredAt: T0 + 5003 },
  };
}

function report(): ShiftReport {
  return buildReport(rolledBackState(), {
    name: 'demo', namespace: 'echo', target: 'VirtualService echo/echo', schedule: { steps: [20, 50, 100], bakeMs: 4000 }, finalWeights: { stable: 100, canary: 0 }, now: T0 + 6000,
  });
}

describe('report.json', () => {
  it('has the fields of DESIGN section 3, epoch milliseconds, and the rollback timing', () => {
    const r = report();
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['name', 'outcome', 'startedAt', 'endedAt', 'finalWeights', 'steps', 'rollback']));
    expect(r).toMatchObject({ name: 'demo', outcome: 'rolled-back', startedAt: T0, endedAt: T0 + 5020, finalWeights: { stable: 100, canary: 0 } });
    expect(r.rollback).toEqual({ reason: 'long-lived connection 9 (v2) ended: reset <RST>', cause: 'breach', detectedAt: T0 + 4990, restoredAt: T0 + 5003, detectionToRestoreMs: 13 });
    for (const s of r.steps) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['index', 'targetWeight', 'startedAt', 'endedAt', 'verdict', 'reasons', 'newConnections', 'longLived']));
      expect(Object.keys(s.newConnections)).toEqual(expect.arrayContaining(['attempted', 'succeeded', 'failed', 'byVersion', 'observedCanaryShare', 'interval', 'connectMs']));
      expect(Object.keys(s.longLived)).toEqual(expect.arrayContaining(['open', 'heartbeats', 'ends', 'maxDetectionMs', 'connections']));
    }
    expect(r.warnings).toEqual(['bake 4s < drainDuration 45s + margin 11.25s']);
  });

  it('markers (a fault switched on) are in report.json with ISO times, valid against the schema; absent when there are none', () => {
    const marked: ShiftReport = { ...report(), markers: [{ kind: 'fault', at: T0 + 4200, text: 'fault reset on the v2 pods (canary 50%)' }] };
    const doc = reportDocument(marked);
    expect(doc.markers).toEqual([{ kind: 'fault', at: '2026-11-21T10:54:04.200Z', text: 'fault reset on the v2 pods (canary 50%)' }]);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect('markers' in reportDocument(report())).toBe(false);
    expect(validate({ ...doc, markers: [{ kind: 'fault', at: T0 + 4200, text: 'x' }] })).toBe(false);
    expect(JSON.stringify(validate.errors)).toMatch(/markers\/0\/at/);
    expect(renderMarkdown(marked)).toContain('## Events\n\n- 2026-11-21T10:54:04.200Z (+4.2s): fault reset on the v2 pods (canary 50%)\n');
  });

  it('a paused shift reports outcome paused; a rollback never written has null restore figures', () => {
    const paused = buildReport({ ...initialState(T0), phase: 'paused', stepIndex: 0 }, { name: 'x', namespace: 'y', target: 't', schedule: { steps: [50], bakeMs: 1 }, finalWeights: { stable: 50, canary: 50 }, now: T0 + 1 });
    expect(paused).toMatchObject({ outcome: 'paused', endedAt: T0 + 1 });
    const failed = buildReport({ ...rolledBackState(), phase: 'failed', rollback: { cause: 'error', reason: 'x', detectedAt: T0 } }, { name: 'x', namespace: 'y', target: 't', schedule: { steps: [50], bakeMs: 1 }, finalWeights: { stable: 50, canary: 50 }, now: T0 + 1 });
    expect(failed.rollback).toMatchObject({ restoredAt: null, detectionToRestoreMs: null });
  });

  it('a drained connection is counted in the reconnect wave of the change that cut it, even when it ended during the next step', () => {
    // Connection 5 was opened before step 1's change and drained inside step 1's window, but only during step 2.
    const late = ended(5, 'drained', T0 + 2900, { openedAt: T0 - 500 });
    const steps = attributeReconnectWaves([step(0, 20, T0, { endedAt: T0 + 2500 }), step(1, 50, T0 + 2500, { longLived: longLived([late]) })]);
    expect(steps.map((s) => s.reconnectWave)).toEqual([1, 0]);
  });
});

describe('report.md and timeline.svg', () => {
  it('report.md states the outcome, the rollback and one table row per step, with breach reasons', () => {
    const md = renderMarkdown(report(), { timeline: 'timeline.svg' });
    expect(md).toMatch(/^# tcpshift: echo\/demo rolled-back/);
    expect(md).toContain('detection → restore 13 ms');
    expect(md.split('\n').filter((l) => /^\| [12] \|/.test(l))).toHaveLength(2);
    expect(md).toContain('| 2 | 50% | **breach** |');
    expect(md).toContain('- breach: long-lived connection 9 (v2) ended: reset <RST>');
    expect(md).toContain('![weights, observed canary share and long-lived connection ends over time](timeline.svg)');
  });

  it('the timeline steps the canary weight through the schedule and back to 0 at the restore', () => {
    expect(weightPoints(report())).toEqual([[T0, 0], [T0, 20], [T0 + 4000, 50], [T0 + 5003, 0], [T0 + 5020, 0]]);
  });

  it('the timeline marks each long-lived end by kind, escapes text, and is one svg document', () => {
    const svg = renderTimelineSvg(report());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(endedConnections(report()).map((c) => c.end)).toEqual(['drained', 'drained', 'reset']);
    expect(svg).toContain('<title>connection 9 (v2) reset at 4.99s</title>');
    expect(svg).toContain('breach seen');
    expect(svg).toContain('canary 0 (13 ms)');
    expect(svg).not.toMatch(/<RST>/);
    const opened = (svg.match(/<(g|svg)[ >]/g) ?? []).length;
    const closed = (svg.match(/<\/(g|svg)>/g) ?? []).length;
    expect(opened).toBe(closed);
  });

  it('writeReportFiles writes the three files, report.json parsing back to the report document', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-report-'));
    try {
      const files = await writeReportFiles(path.join(dir, 'nested'), report());
      expect(JSON.parse(await readFile(files.json, 'utf8'))).toEqual(reportDocument(report()));
      expect(await readFile(files.markdown, 'utf8')).toContain('rolled-back');
      expect(await readFile(files.timeline, 'utf8')).toContain('<svg');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
