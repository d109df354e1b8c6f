// A ShiftProber whose observations the test scripts: clean by default (sampling ends at once with
// a consistent split), with ends pushed on demand, as the real pool pushes them.
import type { EndedConnection, LongLivedConnectionRecord } from '../../src/probe/index.js';
import type { ProbeCounters, ProbeStatus, SamplingPlan, ShiftProber } from '../../src/shift/index.js';
import { longLived, newConnections } from './shift-fixtures.js';

export class ScriptedProber implements ShiftProber {
  readonly calls: string[] = [];
  private stepIndex: number | undefined;
  private sampling = false;
  private ends: LongLivedConnectionRecord[] = [];
  private readonly changeListeners = new Set<() => void>();
  private readonly endListeners = new Set<(end: EndedConnection) => void>();
  /** Share the scripted sampler observes (default: the target). */
  observedCanary: number | undefined;
  private target = 0;

  start(): Promise<void> {
    this.calls.push('start');
    return Promise.resolve();
  }

  markStep(stepIndex: number): void {
    this.calls.push(`mark ${stepIndex}`);
    this.stepIndex = stepIndex;
    this.sampling = false;
    this.ends = [];
  }

  startSampling(plan: SamplingPlan): void {
    this.calls.push(`sample ${plan.stepIndex} ${plan.targetShare}${plan.weightChange ? ' changed' : ''}`);
    this.sampling = true;
    this.target = plan.targetShare;
  }

  stopSampling(): void {
    this.calls.push('stop-sampling');
  }

  /** Push a long-lived end now, as the pool does. */
  end(record: EndedConnection): void {
    this.ends.push(record);
    for (const l of this.endListeners) l(record);
    for (const l of this.changeListeners) l();
  }

  status(): ProbeStatus {
    const canary = Math.round((this.observedCanary ?? this.target) * 1000);
    return {
      ready: true,
      stepIndex: this.stepIndex,
      sampling: this.sampling,
      observation: {
        longLived: longLived(this.ends),
        ...(this.sampling ? { newConnections: newConnections({ ok: 1000, canary, split: { targetShare: this.target } }) } : {}),
        samplingDone: this.sampling,
      },
    };
  }

  counters(): ProbeCounters {
    const { longLived: block, newConnections } = this.status().observation;
    return { longLivedWanted: 4, longLivedOpen: block.open, heartbeatsEchoed: block.heartbeats, ends: block.ends, newConnections };
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onEnd(listener: (end: EndedConnection) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  stop(): Promise<void> {
    this.calls.push('stop');
    return Promise.resolve();
  }
}
