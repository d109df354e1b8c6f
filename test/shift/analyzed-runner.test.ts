// The CLI runner with metric checks, in-process: the real router and annotation port against the
// API emulator, scripted (always healthy) probes, and a Prometheus stand-in whose value follows
// the canary weight on the route. The metric alone rolls the shift back, the step records it, and
// the live view's metrics line shows it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricEvaluator, type MetricValueSource } from '../../src/analysis/index.js';
import { metricsLine } from '../../src/cli/metrics-line.js';
import { createRouter } from '../../src/router/index.js';
import { acquireChange, AnalyzedProber, AnnotationStatePort, initialState, readShiftState, runnableChecks, ShiftRunner } from '../../src/shift/index.js';
import { systemClock } from '../../src/util/clock.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';
import { shiftFor } from '../support/shift-fixtures.js';
import { ScriptedProber } from '../support/shift-prober.js';

let api: ShiftApi;
beforeAll(async () => {
  api = await startShiftApi();
});
afterAll(async () => api.close());

/** Failure rate 0 while the canary weight is at most 20, then 0.4; every query is recorded. */
function prometheusStandIn(): MetricValueSource & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    queryValue(promql) {
      queries.push(promql);
      const canary = api.weights()[1] ?? 0;
      return Promise.resolve({ kind: 'value', value: canary <= 20 ? 0 : 0.4 });
    },
  };
}

describe('ShiftRunner with metric checks', () => {
  it('rolls back on a failed metric while the probes are healthy; the breached step carries the metric, value, range and verdict', async () => {
    const shift = shiftFor({
      'spec.schedule.bake': '1s',
      'spec.analysis.prometheus': { address: 'http://prometheus.invalid:9090' },
      'spec.analysis.metrics': [{ name: 'failures', template: 'tcp-connection-failure-rate', thresholdRange: { max: 0.05 }, interval: '1s', failureLimit: 1, onNoData: 'fail' }],
    });
    // An interval of 1 s: one evaluation per 1 s bake, the verdict waiting for it if the bake ends first.
    const router = createRouter(api.kube, shift);
    const state = initialState(systemClock.now());
    const acquired = await router.update((current) =>
      acquireChange(current, { mode: 'start', name: 'demo', identity: 'h/1/a', ttlMs: 60_000, now: systemClock.now(), state, stepCount: 3, resource: {} }),
    );
    const port = new AnnotationStatePort({ router, identity: 'h/1/a', ttlMs: 60_000, clock: systemClock, stepCount: 3, basis: acquired.snapshot });
    const source = prometheusStandIn();
    const prober = new AnalyzedProber(new ScriptedProber(), new MetricEvaluator(source, systemClock), runnableChecks(shift));
    const lines: string[] = [];
    const runner = new ShiftRunner({
      spec: shift.spec,
      state,
      route: { canaryWeight: 0, stableWeight: 100, shape: acquired.snapshot.shape },
      prober,
      port,
      clock: systemClock,
      observer: { decided: (decision) => lines.push(metricsLine(shift.spec, decision.state, prober.status().metrics) ?? '') },
    });
    const final = await runner.run();

    expect(final.phase).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'breach', reason: 'metric failures: 0.4 outside [-, 0.05]' });
    expect(api.weights()).toEqual([100, 0]);
    const stored = readShiftState(api.annotations())!;
    expect(stored.steps.map((s) => [s.targetWeight, s.verdict, s.metrics])).toEqual([
      [20, 'ok', [{ name: 'failures', value: 0, max: 0.05, verdict: 'ok' }]],
      [50, 'breach', [{ name: 'failures', value: 0.4, max: 0.05, verdict: 'failed' }]],
    ]);
    expect(source.queries[0]).toContain('destination_canonical_revision="v2"');
    expect(source.queries[0]).toContain('[1s]');
    // The live view's line while step 1 waits for its evaluation, then on the breached step's value.
    expect(lines).toContain('metrics failures - [-, 0.05] no-data');
    const breached = { stepIndex: 1, since: 0, evaluations: [{ name: 'failures', at: 1, value: 0.4, verdict: 'failed' as const }] };
    expect(metricsLine(shift.spec, { ...final, phase: 'baking', stepIndex: 1 }, breached)).toBe('metrics failures 0.4 [-, 0.05] failed');
  });
});
