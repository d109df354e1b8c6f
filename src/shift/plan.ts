/**
 * Drain-aware planning, pure. Istio replaces the gateway port's filter chain on every TCP weight
 * change and closes the connections of the old chain when its drainDuration ends: each step is
 * one reconnect wave for long-lived clients. These functions say where that close is expected,
 * warn when the plan cannot observe it (bake too short) and estimate what the split test needs.
 */
import { simulateSplitTest } from '../probe/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import { formatDuration } from '../util/duration.js';

/**
 * Where the drain close of a weight change lands: Envoy closes the old filter chain's
 * connections when drainDuration ends, counted from when the gateway got the new configuration,
 * that is after the API server COMMITTED the write. The commit happened somewhere between the
 * request being sent (`sentAt`) and its acknowledgement (`changedAt`): on a slow API the two are
 * a round trip apart, so the window opens from the send and closes from the acknowledgement
 * (widened by the round trip). A close or reset of a connection opened before the change inside
 * [from, to] is `drained`; anywhere else it is breakage.
 */
export function drainWindow(changedAt: number, drainMs: number, sentAt: number = changedAt): [number, number] {
  const from = Math.min(sentAt, changedAt);
  return [from + drainMs - drainEarlyMarginMs(drainMs), changedAt + drainMs + drainLateMarginMs(drainMs)];
}

/** Measurement slack before the drain deadline: 10 % of it, at least 200 ms, never before the change. */
export function drainEarlyMarginMs(drainMs: number): number {
  return Math.min(drainMs, Math.max(200, Math.round(drainMs * 0.1)));
}

/** Configuration push delay after the deadline: 25 % of the drain, at least 1 s. */
export function drainLateMarginMs(drainMs: number): number {
  return Math.max(1000, Math.round(drainMs * 0.25));
}

/**
 * How long after a weight change new connections are not sampled yet: the gateway must get the
 * new configuration first (istiod's push; a watch in the sandbox), or early samples measure the
 * old split (at 100 % a single one would fail the split test). 10 % of the bake, 250 ms to 5 s.
 */
export function configSettleMs(bakeMs: number): number {
  return Math.min(5000, Math.max(250, Math.round(bakeMs * 0.1)));
}

/**
 * Whether a weight change drains the gateway port (a reconnect wave). Not under strategy
 * `locality`: its weights reach Envoy through EDS, which leaves the listener (and the
 * established tcp_proxy connections) alone, so a close of a long-lived connection is never
 * "drained" there.
 */
export function weightChangeDrains(spec: ResolvedSpec): boolean {
  return spec.provider !== 'istio' || spec.strategy !== 'locality';
}

/**
 * Envoy applies a new EDS assignment after its update merge window (Cluster.CommonLbConfig
 * `update_merge_window`, 1 s by default; Envoy's `ClusterManagerImpl::scheduleUpdate` batches
 * host updates until it ends).
 */
export const EDS_MERGE_WINDOW_MS = 1000;

/**
 * How long after a weight write new connections wait before they are sampled: configSettleMs,
 * and under strategy locality at least the EDS merge window + 500 ms for istiod's push.
 */
export function weightSettleMs(spec: ResolvedSpec): number {
  const settle = configSettleMs(spec.schedule.bakeMs);
  return weightChangeDrains(spec) ? settle : Math.max(settle, EDS_MERGE_WINDOW_MS + 500);
}

/** The shortest bake that still sees its own step's drain: drainDuration + late margin. */
export function minimumBakeForDrain(drainMs: number): number {
  return drainMs + drainLateMarginMs(drainMs);
}

/**
 * Identified samples the sequential split test needs on average when the split is right (share
 * p0), at tolerance delta and confidence c: the mean over 400 seeded simulated runs (memoized;
 * deterministic). Both one-sided tests must accept, so this is above Wald's one-sided average.
 */
export function expectedSplitSamples(p0: number, delta: number, confidence: number): number {
  const key = `${p0}:${delta}:${confidence}`;
  let mean = expectedSamplesMemo.get(key);
  if (mean === undefined) {
    mean = Math.ceil(simulateSplitTest({ targetShare: p0, tolerance: delta, confidence, maxSamples: 1_000_000 }, p0, 400, 1).meanSamples);
    expectedSamplesMemo.set(key, mean);
  }
  return mean;
}

const expectedSamplesMemo = new Map<string, number>();

const pct = (w: number): string => `${w}%`;

/** Warnings about a plan that cannot show what it should (printed before the shift, kept in the report). */
export function planWarnings(spec: ResolvedSpec): string[] {
  const warnings: string[] = [];
  const { analysis, schedule, probe } = spec;
  const drain = analysis.drainDurationMs;
  // Under strategy locality a weight change drains nothing: the bake need not cover drainDuration.
  const longLived = probe.longLived.connections > 0 && weightChangeDrains(spec);
  if (longLived && analysis.existingConnections === 'tolerate-drain' && schedule.bakeMs < minimumBakeForDrain(drain)) {
    warnings.push(
      `bake ${formatDuration(schedule.bakeMs)} < drainDuration ${formatDuration(drain)} + margin ${formatDuration(drainLateMarginMs(drain))}: ` +
        `the gateway's drain of a step's existing connections lands after the step ends, so its reconnect wave shows in the next step ` +
        `(and the last step's not at all); use bake >= ${formatDuration(minimumBakeForDrain(drain))} to see each wave inside its step`,
    );
  }
  const totalBake = schedule.bakeMs * schedule.steps.length;
  if (longLived && analysis.existingConnections === 'preserve' && totalBake < drain) {
    warnings.push(
      `existingConnections: preserve, but the whole shift (${formatDuration(totalBake)} of bakes) is shorter than drainDuration ` +
        `${formatDuration(drain)}: it can end before the first drain closes anything, so preserve is not verified`,
    );
  }
  const perStep = probe.newConnections.perStep;
  const shortSteps = schedule.steps.filter((w) => expectedSplitSamples(w / 100, analysis.splitTolerance, analysis.splitConfidence) > perStep);
  if (shortSteps.length > 0) {
    const needed = Math.max(...shortSteps.map((w) => expectedSplitSamples(w / 100, analysis.splitTolerance, analysis.splitConfidence)));
    warnings.push(
      `newConnections.perStep ${perStep} is below the ~${needed} identified samples the split test needs on average at ` +
        `tolerance ${analysis.splitTolerance} / confidence ${analysis.splitConfidence} (steps ${shortSteps.map(pct).join(', ')}): ` +
        `expect 'undecided' verdicts there (reported, not a breach); raise perStep or splitTolerance for a decided split`,
    );
  }
  for (const check of analysis.metrics.filter((m) => m.intervalMs > schedule.bakeMs)) {
    warnings.push(
      `metric ${check.name}: interval ${formatDuration(check.intervalMs)} is longer than the bake ${formatDuration(schedule.bakeMs)}: ` +
        `each step waits for the check's first evaluation, one interval after its weight change`,
    );
  }
  return warnings;
}

/** One line on the reconnect waves the plan causes (each weight change drains the gateway port). */
export function reconnectPlan(spec: ResolvedSpec): string {
  if (!weightChangeDrains(spec)) {
    return `0 reconnect waves: the weights move through the DestinationRule's locality distribute (EDS), existing connections stay open (existingConnections: ${spec.analysis.existingConnections})`;
  }
  const changes = spec.schedule.steps.length + (spec.schedule.steps.at(-1) === 100 ? 0 : 1);
  const drain = formatDuration(spec.analysis.drainDurationMs);
  return (
    `${changes} weight change${changes === 1 ? '' : 's'} = ${changes} reconnect wave${changes === 1 ? '' : 's'} for long-lived clients ` +
    `(the gateway closes existing connections ${drain} after each; existingConnections: ${spec.analysis.existingConnections})`
  );
}
