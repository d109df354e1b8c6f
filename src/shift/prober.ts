/**
 * The probes of a shift, behind an interface so that the CLI runner and the controller (which
 * may share one per shift, or use a lightweight stand-in in its benchmark) drive them alike.
 * SocketProber is the real one: a topping-up LongLivedPool kept across every step and a
 * NewConnectionSampler per step, through the gateway address.
 */
import {
  LongLivedPool,
  NewConnectionSampler,
  type EndedConnection,
  type LongLivedBlock,
  type NewConnectionsBlock,
  type PoolMark,
  type WeightChange,
} from '../probe/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { canaryVersionFor, type ProbeStatus } from './decide.js';
import { drainWindow, weightChangeDrains, weightSettleMs } from './plan.js';

export interface SamplingPlan {
  stepIndex: number;
  targetShare: number;
  /** The weight change this run made for the step, with its drain window. */
  weightChange?: { at: number; window?: [number, number] };
}

/** Live numbers for progress displays. */
export interface ProbeCounters {
  longLivedWanted: number;
  longLivedOpen: number;
  heartbeatsEchoed: number;
  /** Ends since the probes started, by kind. */
  ends: LongLivedBlock['ends'];
  newConnections: NewConnectionsBlock | undefined;
  /** A multi-port shift (istio target.matchPorts): each match port's own numbers; the fields above merge them. */
  ports?: PortCounters[];
}

/** Live numbers of one match port of a multi-port shift. */
export interface PortCounters extends Omit<ProbeCounters, 'ports'> {
  matchPort: number;
}

export interface ShiftProber {
  /** Open the long-lived connections; resolves when each has opened or failed once. */
  start(): Promise<void>;
  /** Begin a new measurement period for a step; stops the previous step's sampling. */
  markStep(stepIndex: number): void;
  /** The step's weight is in place: record the change (drain window) and sample new connections. */
  startSampling(plan: SamplingPlan): void;
  /**
   * A weight write was sent: the gateway may drain from sentAt + drainDuration on, even before the
   * API answers (the commit, not the answer, starts it). The drain window stays open until the
   * returned function is called: with the acknowledgement time, or undefined when the write
   * failed for good (the window then closes at once).
   */
  weightWriteSent?(sentAt: number): (acknowledgedAt: number | undefined) => void;
  stopSampling(): void;
  /** What decide needs: readiness, the measured step and what it saw. */
  status(): ProbeStatus;
  counters(): ProbeCounters;
  /** Something decide should look at happened: readiness, a long-lived end, a failed sample, sampling done. */
  onChange(listener: () => void): () => void;
  /** Each long-lived end as it happens (for progress lines). */
  onEnd(listener: (end: EndedConnection) => void): () => void;
  /** Close every probe connection. */
  stop(): Promise<void>;
}

/** Share of the bake over which the step's new connections are spread (after the settle time); the rest is slack for the last replies. */
export const SAMPLING_SHARE_OF_BAKE = 0.75;

/** New connections per second so that perStep attempts spread over most of the bake; 0 (unpaced) for a zero bake. */
export function samplingRate(perStep: number, bakeMs: number): number {
  return bakeMs <= 0 ? 0 : perStep / ((bakeMs * SAMPLING_SHARE_OF_BAKE) / 1000);
}

export class SocketProber implements ShiftProber {
  private readonly pool: LongLivedPool;
  private readonly changeListeners = new Set<() => void>();
  private ready = false;
  private stepIndex: number | undefined;
  private mark: PoolMark | undefined;
  private sampler: NewConnectionSampler | undefined;
  /** Sampling was asked for the step (it may still wait for the configuration to settle). */
  private sampling = false;
  private settle: TimerHandle | undefined;
  private samplingDone = false;
  private stopSampler: AbortController | undefined;
  private readonly runs = new Set<Promise<unknown>>();

  constructor(
    private readonly spec: ResolvedSpec,
    private readonly clock: Clock,
  ) {
    const { probe } = spec;
    this.pool = new LongLivedPool({
      address: probe.address,
      identify: probe.identify,
      protocol: probe.protocol,
      tls: probe.tls,
      connections: probe.longLived.connections,
      heartbeatMs: probe.longLived.heartbeatMs,
      timeoutMs: probe.longLived.timeoutMs,
      connectTimeoutMs: probe.connectTimeoutMs,
      clock,
      topUp: true,
    });
    this.pool.onEnd(() => this.changed());
  }

  async start(): Promise<void> {
    await this.pool.start();
    this.ready = true;
    this.changed();
  }

  markStep(stepIndex: number): void {
    this.stopSampling();
    this.stepIndex = stepIndex;
    this.mark = this.pool.mark();
    this.sampler = undefined;
    this.sampling = false;
    this.samplingDone = false;
  }

  startSampling(plan: SamplingPlan): void {
    if (plan.stepIndex !== this.stepIndex) this.markStep(plan.stepIndex);
    this.stopSampling();
    this.sampling = true;
    this.samplingDone = false;
    if (plan.weightChange?.window) {
      const [from, to] = plan.weightChange.window;
      this.pool.announceWeightChange(from, to - from);
    }
    // New connections only once the gateway has the new weights (see weightSettleMs).
    const settleUntil = plan.weightChange ? plan.weightChange.at + weightSettleMs(this.spec) : 0;
    const wait = settleUntil - this.clock.now();
    if (wait <= 0) {
      this.runSampler(plan);
      return;
    }
    this.settle = this.clock.setTimer(() => {
      this.settle = undefined;
      this.runSampler(plan);
    }, wait);
  }

  weightWriteSent(sentAt: number): (acknowledgedAt: number | undefined) => void {
    if (!weightChangeDrains(this.spec)) return () => undefined; // strategy locality: no drain to expect
    const drainMs = this.spec.analysis.drainDurationMs;
    const [from] = drainWindow(sentAt, drainMs);
    const change: WeightChange = this.pool.announceWeightChange(from, Number.MAX_SAFE_INTEGER - from);
    return (acknowledgedAt) => {
      const to = acknowledgedAt === undefined ? this.clock.now() : drainWindow(acknowledgedAt, drainMs, sentAt)[1];
      change.drainWindowMs = Math.max(0, to - change.atEpochMs);
    };
  }

  private runSampler(plan: SamplingPlan): void {
    const { probe, analysis, schedule } = this.spec;
    const perStep = probe.newConnections.perStep;
    const sampler = new NewConnectionSampler({
      address: probe.address,
      identify: probe.identify,
      protocol: probe.protocol,
      tls: probe.tls,
      heartbeatMs: probe.longLived.heartbeatMs,
      clock: this.clock,
      canaryVersion: canaryVersionFor(this.spec),
      ratePerSecond: samplingRate(perStep, schedule.bakeMs),
      concurrency: probe.newConnections.concurrency,
      connectTimeoutMs: probe.connectTimeoutMs,
      replyTimeoutMs: probe.longLived.timeoutMs,
      maxAttempts: perStep,
      // The split test decides as early as it can; sampling goes on to perStep for the failure rate.
      split: { targetShare: plan.targetShare, tolerance: analysis.splitTolerance, confidence: analysis.splitConfidence, maxSamples: perStep, stopWhenDecided: false },
    });
    sampler.onSample((sample) => {
      if (!sample.ok) this.changed();
    });
    const stop = new AbortController();
    this.sampler = sampler;
    this.stopSampler = stop;
    const run = sampler.run(stop.signal).then(() => {
      if (this.sampler === sampler && !stop.signal.aborted) {
        this.samplingDone = true;
        this.changed();
      }
    });
    this.runs.add(run);
    void run.finally(() => this.runs.delete(run));
  }

  stopSampling(): void {
    this.settle?.cancel();
    this.settle = undefined;
    this.stopSampler?.abort();
    this.stopSampler = undefined;
  }

  status(): ProbeStatus {
    const newConnections = this.sampler?.block();
    return {
      ready: this.ready,
      stepIndex: this.stepIndex,
      sampling: this.sampling,
      observation: {
        longLived: this.pool.snapshot(this.mark),
        ...(newConnections ? { newConnections } : {}),
        samplingDone: this.samplingDone,
      },
    };
  }

  counters(): ProbeCounters {
    const all = this.pool.snapshot();
    return {
      longLivedWanted: this.spec.probe.longLived.connections,
      longLivedOpen: all.open,
      heartbeatsEchoed: all.heartbeats,
      ends: all.ends,
      newConnections: this.sampler?.block(),
    };
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onEnd(listener: (end: EndedConnection) => void): () => void {
    return this.pool.onEnd(listener);
  }

  async stop(): Promise<void> {
    this.stopSampling();
    await Promise.all([...this.runs]);
    await this.pool.stop();
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }
}
