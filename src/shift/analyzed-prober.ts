/**
 * A ShiftProber that also evaluates the spec's metric checks: the probes stay as they are (the
 * wrapped prober), and a MetricEvaluator follows the same step lifecycle, so the CLI runner and
 * the controller drive both through the one port. Evaluation of a step starts with its sampling
 * (the step's weight is in place) and stops at the next mark, at stopSampling and at stop; its
 * evaluations reach decide as `ProbeStatus.metrics`, a separate input of the verdict
 * (metric-verdict.ts).
 */
import type { MetricEvaluator, RunnableCheck } from '../analysis/index.js';
import type { EndedConnection } from '../probe/index.js';
import type { ProbeStatus } from './decide.js';
import type { ProbeCounters, SamplingPlan, ShiftProber } from './prober.js';

export class AnalyzedProber implements ShiftProber {
  readonly weightWriteSent?: ShiftProber['weightWriteSent'];

  constructor(
    private readonly probes: ShiftProber,
    private readonly evaluator: MetricEvaluator,
    private readonly checks: readonly RunnableCheck[],
  ) {
    const sent = probes.weightWriteSent?.bind(probes);
    if (sent) this.weightWriteSent = sent;
  }

  start(): Promise<void> {
    return this.probes.start();
  }

  markStep(stepIndex: number): void {
    this.evaluator.stop();
    this.probes.markStep(stepIndex);
  }

  startSampling(plan: SamplingPlan): void {
    this.probes.startSampling(plan);
    this.evaluator.start(plan.stepIndex, this.checks);
  }

  stopSampling(): void {
    this.evaluator.stop();
    this.probes.stopSampling();
  }

  status(): ProbeStatus {
    const metrics = this.evaluator.observation();
    return { ...this.probes.status(), ...(metrics ? { metrics } : {}) };
  }

  counters(): ProbeCounters {
    return this.probes.counters();
  }

  onChange(listener: () => void): () => void {
    const offs = [this.probes.onChange(listener), this.evaluator.onChange(listener)];
    return () => offs.forEach((off) => off());
  }

  onEnd(listener: (end: EndedConnection) => void): () => void {
    return this.probes.onEnd(listener);
  }

  async stop(): Promise<void> {
    this.evaluator.stop();
    await this.probes.stop();
  }
}
