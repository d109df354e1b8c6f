/**
 * Evaluates a step's metric checks during its bake, on the injected Clock: each check every
 * `interval` from the moment the step's weight is in place (the first one interval later, so its
 * `[{{ interval }}]` range covers the step only), recording each evaluation. A query that fails
 * (Prometheus unreachable, a timeout) is an evaluation without data, with the error as detail:
 * onNoData decides what it means. Whoever drives the shift subscribes with onChange and is woken
 * after every evaluation.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import type { MetricEvaluation, MetricsObservation } from './metric-evaluations.js';
import { verdictOf, type ThresholdRange } from './threshold.js';

/** What the evaluator asks Prometheus: one number or none (src/analysis's PrometheusClient.queryValue). */
export interface MetricValueSource {
  queryValue(promql: string, options?: { signal?: AbortSignal }): Promise<{ kind: 'value'; value: number } | { kind: 'no-data'; reason: string }>;
}

/** A check ready to run: its PromQL with the placeholders filled. */
export interface RunnableCheck extends ThresholdRange {
  name: string;
  promql: string;
  intervalMs: number;
}

interface Running {
  observation: MetricsObservation;
  timers: TimerHandle[];
  abort: AbortController;
}

export class MetricEvaluator {
  private running: Running | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly source: MetricValueSource,
    private readonly clock: Clock,
  ) {}

  /** Begin evaluating the checks for a step (stops any previous step's). */
  start(stepIndex: number, checks: readonly RunnableCheck[]): void {
    this.stop();
    const running: Running = { observation: { stepIndex, since: this.clock.now(), evaluations: [] }, timers: [], abort: new AbortController() };
    this.running = running;
    checks.forEach((check, i) => this.schedule(running, check, i));
  }

  stop(): void {
    const running = this.running;
    this.running = undefined;
    running?.abort.abort();
    for (const timer of running?.timers ?? []) timer.cancel();
  }

  /** The current step's evaluations so far; undefined when not evaluating. */
  observation(): MetricsObservation | undefined {
    const running = this.running;
    return running && { ...running.observation, evaluations: [...running.observation.evaluations] };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(running: Running, check: RunnableCheck, slot: number): void {
    running.timers[slot] = this.clock.setTimer(() => {
      if (this.running !== running) return;
      this.schedule(running, check, slot);
      void this.evaluate(running, check);
    }, check.intervalMs);
  }

  private async evaluate(running: Running, check: RunnableCheck): Promise<void> {
    const evaluation = await this.query(check, running.abort.signal);
    if (this.running !== running) return;
    running.observation.evaluations.push(evaluation);
    for (const listener of this.listeners) listener();
  }

  private async query(check: RunnableCheck, signal: AbortSignal): Promise<MetricEvaluation> {
    const at = this.clock.now();
    try {
      const answer = await this.source.queryValue(check.promql, { signal });
      if (answer.kind === 'no-data') return { name: check.name, at, value: null, verdict: 'no-data', detail: answer.reason };
      return { name: check.name, at, value: answer.value, verdict: verdictOf(answer.value, check) };
    } catch (error) {
      return { name: check.name, at, value: null, verdict: 'no-data', detail: `query failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}
