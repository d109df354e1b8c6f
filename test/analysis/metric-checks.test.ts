import { describe, expect, it } from 'vitest';
import { assessMetrics, MetricEvaluator, renderQuery, verdictOf, type MetricCheck, type MetricEvaluation, type MetricValueSource } from '../../src/analysis/index.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { shiftDocument, T0 } from '../support/shift-fixtures.js';

const check = (over: Partial<MetricCheck> = {}): MetricCheck => ({ name: 'failures', max: 0.05, intervalMs: 10_000, failureLimit: 1, onNoData: 'fail', ...over });
const BAKE_END = T0 + 60_000;

function evaluations(...entries: Array<[at: number, value: number | null]>): { stepIndex: number; since: number; evaluations: MetricEvaluation[] } {
  const c = check();
  return { stepIndex: 0, since: T0, evaluations: entries.map(([at, value]) => ({ name: c.name, at, value, verdict: verdictOf(value, c) })) };
}

describe('threshold range', () => {
  it('passes inside [min, max], bounds included, and fails outside; NaN or no value is no-data', () => {
    expect(verdictOf(0.05, { max: 0.05 })).toBe('ok');
    expect(verdictOf(0.0501, { max: 0.05 })).toBe('failed');
    expect(verdictOf(0, { min: 1 })).toBe('failed');
    expect(verdictOf(3, { min: 1, max: 3 })).toBe('ok');
    expect(verdictOf(Number.NaN, { max: 1 })).toBe('no-data');
    expect(verdictOf(null, { min: 0 })).toBe('no-data');
  });
});

describe('assessMetrics: failureLimit', () => {
  it('breaches at the first value out of range with failureLimit 1, naming the metric, its value and its range', () => {
    const a = assessMetrics([check()], evaluations([T0 + 10_000, 0.01], [T0 + 20_000, 0.48]), BAKE_END);
    expect(a.breaches).toEqual([{ name: 'failures', at: T0 + 20_000, message: 'metric failures: 0.48 outside [-, 0.05]' }]);
    expect(a.results).toEqual([{ name: 'failures', value: 0.48, max: 0.05, verdict: 'failed' }]);
  });

  it('tolerates failureLimit - 1 failed evaluations and breaches at the next, even after good ones in between', () => {
    const limit3 = check({ failureLimit: 3 });
    const two = assessMetrics([limit3], evaluations([T0 + 1, 0.5], [T0 + 2, 0.0], [T0 + 3, 0.5]), BAKE_END);
    expect(two.breaches).toEqual([]);
    expect(two.results[0]).toMatchObject({ value: 0.5, verdict: 'failed' });
    const three = assessMetrics([limit3], evaluations([T0 + 1, 0.5], [T0 + 2, 0.0], [T0 + 3, 0.5], [T0 + 4, 0.7]), BAKE_END);
    expect(three.breaches[0]).toMatchObject({ at: T0 + 4, message: 'metric failures: 0.7 outside [-, 0.05] (3 failed evaluations, failureLimit 3)' });
  });
});

describe('assessMetrics: onNoData', () => {
  const noData = evaluations([T0 + 10_000, null]);

  it('fail: an evaluation without data is a failed evaluation', () => {
    const a = assessMetrics([check({ onNoData: 'fail' })], noData, BAKE_END);
    expect(a.breaches.map((b) => b.message)).toEqual(['metric failures: no data, onNoData: fail']);
  });

  it('ignore: no data neither fails nor holds the step', () => {
    const a = assessMetrics([check({ onNoData: 'ignore' })], noData, BAKE_END);
    expect(a).toMatchObject({ breaches: [], awaiting: [] });
    expect(a.results).toEqual([{ name: 'failures', value: null, max: 0.05, verdict: 'no-data' }]);
  });

  it('wait: holds the step while the last evaluation had no data, fails only on empty evaluations after the bake', () => {
    const during = assessMetrics([check({ onNoData: 'wait', failureLimit: 2 })], noData, BAKE_END);
    expect(during).toMatchObject({ breaches: [], awaiting: ['metric failures: waiting for data (onNoData: wait)'] });
    const dataCame = assessMetrics([check({ onNoData: 'wait' })], evaluations([T0 + 10_000, null], [T0 + 20_000, 0.01]), BAKE_END);
    expect(dataCame).toMatchObject({ breaches: [], awaiting: [] });
    const after = assessMetrics([check({ onNoData: 'wait', failureLimit: 2 })], evaluations([T0 + 10_000, null], [BAKE_END, null], [BAKE_END + 10_000, null]), BAKE_END);
    expect(after.breaches).toHaveLength(1);
    expect(after.breaches[0]!.at).toBe(BAKE_END + 10_000);
  });

  it('holds a step whose check has not been evaluated yet, whatever onNoData says', () => {
    for (const onNoData of ['fail', 'ignore', 'wait'] as const) {
      expect(assessMetrics([check({ onNoData })], undefined, BAKE_END).awaiting).toEqual(['metric failures: not evaluated yet (interval 10000 ms)']);
    }
  });
});

describe('queries', () => {
  it('fills the placeholders, blanks inside the braces allowed, the interval as a PromQL duration', () => {
    const vars = { namespace: 'echo', service: 'echo', stable: 'v1', canary: 'v2' };
    expect(renderQuery('x{ns="{{namespace}}",v="{{ canary }}"}[{{  interval }}]', { ...vars, intervalMs: 30_000 })).toBe('x{ns="echo",v="v2"}[30s]');
    expect(renderQuery('[{{ interval }}]', { ...vars, intervalMs: 1500 })).toBe('[1500ms]');
  });

  it('refuses an unknown placeholder in a query, naming the field (exit 2 before anything is written)', () => {
    const doc = shiftDocument({ 'spec.analysis.metrics': [{ name: 'custom', query: 'sum(up{job="{{ job }}"})', thresholdRange: { min: 1 }, onNoData: 'fail' }] });
    const result = parseTCPShiftObject(doc);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([{ path: 'spec.analysis.metrics[0].query', message: expect.stringContaining('unknown placeholder {{ job }}') }]);
  });

  it('asks for an explicit onNoData, a range with a bound, and exactly one of template and query', () => {
    const paths = (metric: Record<string, unknown>): string[] => {
      const result = parseTCPShiftObject(shiftDocument({ 'spec.analysis.metrics': [metric] }));
      if (result.ok) throw new Error('expected a refusal');
      return result.issues.map((i) => i.path).sort();
    };
    expect(paths({ name: 'x', template: 'tcp-connections-opened', thresholdRange: {} })).toEqual(['spec.analysis.metrics[0].onNoData', 'spec.analysis.metrics[0].thresholdRange']);
    expect(paths({ name: 'x', thresholdRange: { min: 1 }, onNoData: 'ignore' })).toEqual(['spec.analysis.metrics[0].template']);
    expect(paths({ name: 'x', template: 'tcp-connections-opened', query: 'up', thresholdRange: { min: 1 }, onNoData: 'ignore' })).toEqual(['spec.analysis.metrics[0].template']);
  });
});

describe('MetricEvaluator', () => {
  function scripted(answers: Array<number | null | Error>): MetricValueSource & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      queryValue(promql) {
        asked.push(promql);
        const next = answers.shift();
        if (next instanceof Error) return Promise.reject(next);
        return Promise.resolve(next === null || next === undefined ? { kind: 'no-data', reason: 'no series matched' } : { kind: 'value', value: next });
      },
    };
  }

  it('evaluates each check every interval from the start on the injected clock, a failed query being an evaluation without data', async () => {
    const clock = new ManualClock(T0);
    const source = scripted([0.01, new Error('Prometheus at http://p:9090: connect ECONNREFUSED'), 0.3]);
    const evaluator = new MetricEvaluator(source, clock);
    let woken = 0;
    evaluator.onChange(() => woken++);
    evaluator.start(2, [{ name: 'failures', promql: 'q', intervalMs: 5000, max: 0.05 }]);
    await clock.advance(4999);
    expect(evaluator.observation()?.evaluations).toEqual([]);
    await clock.advance(10_001);
    const seen = evaluator.observation()!;
    expect(seen.stepIndex).toBe(2);
    expect(seen.evaluations.map((e) => [e.at - T0, e.value, e.verdict])).toEqual([[5000, 0.01, 'ok'], [10_000, null, 'no-data'], [15_000, 0.3, 'failed']]);
    expect(seen.evaluations[1]!.detail).toMatch(/query failed: .*ECONNREFUSED/);
    expect(woken).toBe(3);
    evaluator.stop();
    await clock.advance(60_000);
    expect(source.asked).toHaveLength(3);
    expect(evaluator.observation()).toBeUndefined();
  });
});
