/**
 * The controller's lightweight prober (`--probe-mode light`), made for the 1,000-shift benchmark
 * and for control-plane tests: it checks reachability only. No long-lived connections, no
 * heartbeats, no split test: at each step, once the step's weight is in place, ONE new TCP
 * connection to spec.probe.address must connect within probe.connectTimeout and send back at
 * least one byte (a banner, or the echo of the line it writes) within longLived.timeout. The
 * step's newConnections block records that one attempt (a failure is a breach through the
 * failure rate), and sampling is done at once. With spec.probe.protocol (or tls) that one
 * connection runs the protocol's opening instead of writing a line. It never tells which version
 * answered, so it must not gate a real release.
 */
import net from 'node:net';
import { readGreeting, type EndedConnection, type LongLivedBlock, type NewConnectionFailureKind, type NewConnectionsBlock } from '../probe/index.js';
import { emptyNewConnections, type ProbeCounters, type ProbeStatus, type SamplingPlan, type ShiftProber } from '../shift/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { Clock, TimerHandle } from '../util/clock.js';

const emptyLongLived = (): LongLivedBlock => ({ open: 0, heartbeats: 0, ends: { drained: 0, closed: 0, reset: 0, timeout: 0, corrupt: 0, refused: 0 }, maxDetectionMs: null, connections: [] });

type AttemptResult = { ok: true; connectMs: number } | { ok: false; kind: NewConnectionFailureKind };

export class LightProber implements ShiftProber {
  private readonly listeners = new Set<() => void>();
  private ready = false;
  private stepIndex: number | undefined;
  private sampling = false;
  private samplingDone = false;
  private block: NewConnectionsBlock | undefined;
  private attempt: { socket: net.Socket; timer: TimerHandle } | undefined;
  private generation = 0;

  constructor(
    private readonly spec: ResolvedSpec,
    private readonly clock: Clock,
  ) {}

  start(): Promise<void> {
    this.ready = true;
    this.changed();
    return Promise.resolve();
  }

  markStep(stepIndex: number): void {
    this.stopSampling();
    this.stepIndex = stepIndex;
    this.sampling = false;
    this.samplingDone = false;
    this.block = undefined;
  }

  startSampling(plan: SamplingPlan): void {
    if (plan.stepIndex !== this.stepIndex) this.markStep(plan.stepIndex);
    this.stopSampling();
    this.sampling = true;
    this.samplingDone = false;
    const generation = ++this.generation;
    const attempt = this.spec.probe.protocol.name === 'echo' && !this.spec.probe.tls ? this.probeOnce() : this.openOnce();
    void attempt.then((result) => {
      if (generation !== this.generation) return;
      this.block = this.blockOf(result);
      this.samplingDone = true;
      this.changed();
    });
  }

  stopSampling(): void {
    this.generation++;
    this.finishAttempt();
  }

  status(): ProbeStatus {
    return {
      ready: this.ready,
      stepIndex: this.stepIndex,
      sampling: this.sampling,
      observation: { longLived: emptyLongLived(), ...(this.block ? { newConnections: this.block } : {}), samplingDone: this.samplingDone },
    };
  }

  counters(): ProbeCounters {
    const block = emptyLongLived();
    return { longLivedWanted: 0, longLivedOpen: 0, heartbeatsEchoed: 0, ends: block.ends, newConnections: this.block };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onEnd(_listener: (end: EndedConnection) => void): () => void {
    return () => undefined;
  }

  stop(): Promise<void> {
    this.stopSampling();
    this.listeners.clear();
    return Promise.resolve();
  }

  private blockOf(result: AttemptResult): NewConnectionsBlock {
    const block = emptyNewConnections(this.spec);
    if (result.ok) return { ...block, attempted: 1, succeeded: 1, connectMs: { p50: result.connectMs, p99: result.connectMs } };
    return { ...block, attempted: 1, failed: 1, failuresByKind: { ...block.failuresByKind, [result.kind]: 1 } };
  }

  /**
   * With a protocol other than echo (or TLS): one connection runs the protocol's opening steps
   * (src/probe readGreeting), which proves the server speaks it; the version is not looked at.
   * It cannot be cancelled: a result that arrives after stopSampling is dropped by generation.
   */
  private async openOnce(): Promise<AttemptResult> {
    const { address, identify, protocol, tls, connectTimeoutMs, longLived } = this.spec.probe;
    const started = this.clock.monotonic();
    const result = await readGreeting({ address, identify, protocol, tls, connectTimeoutMs, replyTimeoutMs: longLived.timeoutMs, heartbeatMs: longLived.heartbeatMs, clock: this.clock }, 'light');
    if (result.kind === 'failed') return { ok: false, kind: result.failure.kind };
    return { ok: true, connectMs: Math.round(this.clock.monotonic() - started) };
  }

  /** One connection: connect, write a line, wait for any byte back. */
  private probeOnce(): Promise<AttemptResult> {
    const { address, connectTimeoutMs, longLived } = this.spec.probe;
    const started = this.clock.monotonic();
    return new Promise((resolve) => {
      let connectedAt: number | undefined;
      const socket = net.connect({ host: address.host, port: address.port });
      const settle = (result: AttemptResult): void => {
        this.finishAttempt(socket);
        resolve(result);
      };
      const timer = this.clock.setTimer(() => settle({ ok: false, kind: 'timeout' }), connectTimeoutMs + longLived.timeoutMs);
      this.attempt = { socket, timer };
      socket.once('connect', () => {
        connectedAt = this.clock.monotonic();
        socket.write('PING light\n');
      });
      socket.once('data', () => settle({ ok: true, connectMs: Math.round((connectedAt ?? this.clock.monotonic()) - started) }));
      socket.once('error', (error: NodeJS.ErrnoException) => settle({ ok: false, kind: error.code === 'ECONNREFUSED' ? 'refused' : 'reset' }));
      socket.once('close', () => settle({ ok: false, kind: connectedAt === undefined ? 'refused' : 'closed' }));
    });
  }

  private finishAttempt(socket?: net.Socket): void {
    const attempt = this.attempt;
    if (!attempt || (socket && attempt.socket !== socket)) {
      socket?.destroy();
      return;
    }
    this.attempt = undefined;
    attempt.timer.cancel();
    attempt.socket.removeAllListeners();
    attempt.socket.on('error', () => undefined);
    attempt.socket.destroy();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
