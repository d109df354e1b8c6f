/**
 * The probes of a multi-port shift (istio target.matchPorts): one SocketProber per match port,
 * each through its own address (src/spec/probe-ports.ts), with its own long-lived connections
 * and new-connection sampling, driven together. What decide sees is one observation: the
 * blocks merged (src/probe/merge-blocks.ts) and each port's own blocks in `ports`, which the
 * policy judges per port, so a breach on one port is a breach of the step naming the port.
 */
import { END_KINDS, formatAddress, mergeLongLived, mergeNewConnections, type EndedConnection } from '../probe/index.js';
import { portProbeSpecs } from '../spec/probe-ports.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { Clock } from '../util/clock.js';
import { emptyNewConnections, type ProbeStatus } from './decide.js';
import type { PortObservation } from './policy.js';
import { SocketProber, type PortCounters, type ProbeCounters, type SamplingPlan, type ShiftProber } from './prober.js';

interface PortProber {
  matchPort: number;
  address: string;
  prober: SocketProber;
}

export class MultiPortProber implements ShiftProber {
  private readonly ports: PortProber[];

  constructor(
    private readonly spec: ResolvedSpec,
    clock: Clock,
  ) {
    this.ports = portProbeSpecs(spec).map((port) => ({
      matchPort: port.matchPort ?? 0,
      address: formatAddress(port.spec.probe.address),
      prober: new SocketProber(port.spec, clock),
    }));
  }

  async start(): Promise<void> {
    await Promise.all(this.ports.map((p) => p.prober.start()));
  }

  markStep(stepIndex: number): void {
    for (const p of this.ports) p.prober.markStep(stepIndex);
  }

  startSampling(plan: SamplingPlan): void {
    for (const p of this.ports) p.prober.startSampling(plan);
  }

  weightWriteSent(sentAt: number): (acknowledgedAt: number | undefined) => void {
    const settles = this.ports.map((p) => p.prober.weightWriteSent(sentAt));
    return (acknowledgedAt) => {
      for (const settle of settles) settle(acknowledgedAt);
    };
  }

  stopSampling(): void {
    for (const p of this.ports) p.prober.stopSampling();
  }

  status(): ProbeStatus {
    const statuses = this.ports.map((p) => ({ port: p, status: p.prober.status() }));
    const first = statuses[0]!.status;
    const ports: PortObservation[] = statuses.map(({ port, status }) => {
      const { connections: _list, ...longLived } = status.observation.longLived;
      const newConnections = status.observation.newConnections ?? emptyNewConnections(this.spec);
      return { matchPort: port.matchPort, address: port.address, newConnections, longLived, samplingDone: status.observation.samplingDone };
    });
    const sampled = statuses.flatMap(({ status }) => (status.observation.newConnections ? [status.observation.newConnections] : []));
    const newConnections = mergeNewConnections(sampled, this.spec.analysis.splitConfidence);
    return {
      ready: statuses.every(({ status }) => status.ready),
      stepIndex: first.stepIndex,
      sampling: statuses.some(({ status }) => status.sampling),
      observation: {
        longLived: mergeLongLived(statuses.map(({ port, status }) => ({ matchPort: port.matchPort, block: status.observation.longLived }))),
        ...(newConnections ? { newConnections } : {}),
        samplingDone: statuses.every(({ status }) => status.observation.samplingDone),
        ports,
      },
    };
  }

  counters(): ProbeCounters {
    const each = this.portCounters();
    const sampled = each.flatMap((c) => (c.newConnections ? [c.newConnections] : []));
    const sum = (pick: (c: ProbeCounters) => number): number => each.reduce((total, c) => total + pick(c), 0);
    const newConnections = mergeNewConnections(sampled, this.spec.analysis.splitConfidence);
    return {
      longLivedWanted: sum((c) => c.longLivedWanted),
      longLivedOpen: sum((c) => c.longLivedOpen),
      heartbeatsEchoed: sum((c) => c.heartbeatsEchoed),
      ends: Object.fromEntries(END_KINDS.map((kind) => [kind, sum((c) => c.ends[kind])])) as ProbeCounters['ends'],
      newConnections,
      ports: each,
    };
  }

  private portCounters(): PortCounters[] {
    return this.ports.map((p) => ({ matchPort: p.matchPort, ...p.prober.counters() }));
  }

  onChange(listener: () => void): () => void {
    const offs = this.ports.map((p) => p.prober.onChange(listener));
    return () => offs.forEach((off) => off());
  }

  onEnd(listener: (end: EndedConnection) => void): () => void {
    const offs = this.ports.map((p) => p.prober.onEnd((end) => listener({ ...end, port: p.matchPort })));
    return () => offs.forEach((off) => off());
  }

  async stop(): Promise<void> {
    await Promise.all(this.ports.map((p) => p.prober.stop()));
  }
}

/** The prober of a shift: one SocketProber, or a MultiPortProber for istio target.matchPorts. */
export function createShiftProber(spec: ResolvedSpec, clock: Clock): ShiftProber {
  return spec.probe.ports ? new MultiPortProber(spec, clock) : new SocketProber(spec, clock);
}
