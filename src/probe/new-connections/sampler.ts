import type { Clock, TimerHandle } from '../../util/clock.js';
import type { ProbeAddress } from '../address.js';
import type { SessionFailure } from '../echo-session.js';
import { canaryVersionOf, type IdentifyConfig } from '../identify.js';
import { openSession, sessionConfig, type ProbeSession, type ProtocolOptions, type SessionConfig } from '../session.js';
import type { NewConnectionsBlock, SplitVerdict } from '../report-blocks.js';
import { SequentialSplitTest } from '../stats/sprt.js';
import { Pacer } from './pacer.js';
import { SampleTally, type NewConnectionSample } from './tally.js';

export interface SplitTarget {
  /** Target canary share p0 (weight / sum of weights). */
  targetShare: number;
  /** delta (analysis.splitTolerance), absolute share. */
  tolerance: number;
  /** analysis.splitConfidence; also the confidence of the reported interval. */
  confidence: number;
  /** Identified samples after which the test gives up as undecided (default maxAttempts or 100,000). */
  maxSamples?: number;
  /** Stop sampling as soon as the test decides (default true). */
  stopWhenDecided?: boolean;
}

export interface NewConnectionSamplerOptions extends ProtocolOptions {
  address: ProbeAddress;
  identify: IdentifyConfig;
  clock: Clock;
  /** The version counted as canary: default the CANARY prefix, or v2 in banner/regex mode. */
  canaryVersion?: string;
  /** New connections started per second; 0 = as fast as `concurrency` allows. */
  ratePerSecond: number;
  /** Attempts in flight at once. */
  concurrency: number;
  connectTimeoutMs: number;
  /** The first line must be echoed within this after connecting. */
  replyTimeoutMs: number;
  /** The long-lived heartbeat of the same probe (an MQTT keep-alive is derived from it). */
  heartbeatMs?: number;
  /** Stop after this many attempts; default: until stopped by the signal or the split test. */
  maxAttempts?: number;
  /** Test the observed share against a target share with the sequential test. */
  split?: SplitTarget;
  /** Confidence of the reported interval when there is no split test (default 0.99). */
  confidence?: number;
  /**
   * Count a connection whose opening passed but named no version as succeeded, under ANY_VERSION
   * (`tcpshift probe` with a protocol and no --identify: reachability and protocol health only).
   * Default false: it is a failure, `unidentified`.
   */
  versionOptional?: boolean;
}

/** The byVersion key of connections counted without a version (not a version name, so never one). */
export const ANY_VERSION = '(any)';

/**
 * Samples new connections: each connects, sends one line, reads the greeting and its echo,
 * identifies the version and closes. Records connect time, time to first byte and the failure
 * kind; paced at a rate with a concurrency limit; feeds the sequential split test and stops as
 * soon as it decides. Attempts still in flight when it stops are abandoned and not counted.
 */
export class NewConnectionSampler {
  private readonly tally: SampleTally;
  private readonly test: SequentialSplitTest | undefined;
  private readonly pacer: Pacer;
  private readonly sessionConfig: SessionConfig;
  private readonly inFlight = new Set<ProbeSession>();
  private readonly closing = new Set<Promise<void>>();
  private readonly listeners = new Set<(sample: NewConnectionSample) => void>();
  private readonly canaryVersion: string;
  private started = 0;
  private paceTimer: TimerHandle | undefined;
  private stopping = false;
  private finished: (() => void) | undefined;

  constructor(private readonly options: NewConnectionSamplerOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, got ${options.concurrency}`);
    this.canaryVersion = canaryVersionOf(options.identify, options.canaryVersion);
    this.sessionConfig = sessionConfig(options);
    this.pacer = new Pacer(options.ratePerSecond);
    this.tally = new SampleTally(this.canaryVersion, options.split?.confidence ?? options.confidence ?? 0.99);
    const { split } = options;
    if (split) {
      const maxSamples = split.maxSamples ?? options.maxAttempts ?? 100_000;
      this.test = new SequentialSplitTest({ ...split, maxSamples });
    }
  }

  /** Call listener with every sample as it completes; returns the unsubscribe function. */
  onSample(listener: (sample: NewConnectionSample) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sample until maxAttempts, a split decision or the signal; resolves with the block. */
  async run(signal?: AbortSignal): Promise<NewConnectionsBlock> {
    const done = new Promise<void>((resolve) => {
      this.finished = resolve;
    });
    const onAbort = (): void => this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) this.stop();
    this.fill();
    await done;
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(this.closing);
    return this.block();
  }

  /** The block so far. */
  block(): NewConnectionsBlock {
    return this.tally.block(this.verdict());
  }

  private verdict(): SplitVerdict | undefined {
    const { split } = this.options;
    if (!split || !this.test) return undefined;
    const state = this.test.state;
    return {
      targetShare: split.targetShare,
      tolerance: split.tolerance,
      confidence: split.confidence,
      decision: state === 'running' ? 'undecided' : state,
      samples: this.test.samples,
    };
  }

  private get exhausted(): boolean {
    return this.options.maxAttempts !== undefined && this.started >= this.options.maxAttempts;
  }

  private fill(): void {
    const { clock, concurrency } = this.options;
    while (!this.stopping && !this.exhausted && this.inFlight.size < concurrency && this.pacer.due(clock.monotonic()) > 0) {
      this.pacer.take(clock.monotonic());
      this.startAttempt();
    }
    if (this.stopping || (this.exhausted && this.inFlight.size === 0)) {
      this.finish();
      return;
    }
    if (!this.exhausted && this.inFlight.size < concurrency && !this.paceTimer) {
      const now = clock.monotonic();
      this.paceTimer = clock.setTimer(() => {
        this.paceTimer = undefined;
        this.fill();
      }, Math.max(0, this.pacer.nextAt(now) - now));
    }
  }

  private startAttempt(): void {
    const n = ++this.started;
    const session: ProbeSession = openSession(
      this.sessionConfig,
      `n${n}`,
      {
        ready: (version) => this.complete(session, readySample(n, session, version ?? (this.options.versionOptional ? ANY_VERSION : undefined))),
        echoed: () => undefined,
        failed: (failure) => this.complete(session, failedSample(n, session, failure)),
      },
    );
    this.inFlight.add(session);
  }

  private complete(session: ProbeSession, sample: NewConnectionSample): void {
    if (!this.inFlight.delete(session)) return;
    this.close(session);
    this.tally.add(sample);
    if (sample.ok && this.test) {
      const state = this.test.add(sample.version === this.canaryVersion);
      if (state !== 'running' && this.options.split?.stopWhenDecided !== false) this.stopping = true;
    }
    for (const listener of this.listeners) listener(sample);
    this.fill();
  }

  private stop(): void {
    this.stopping = true;
    this.finish();
  }

  private finish(): void {
    this.paceTimer?.cancel();
    this.paceTimer = undefined;
    for (const session of this.inFlight) this.close(session);
    this.inFlight.clear();
    this.finished?.();
  }

  /** Close a session and remember the promise, so run() returns with no socket left open. */
  private close(session: ProbeSession): void {
    const closed = session.close().then(() => {
      this.closing.delete(closed);
    });
    this.closing.add(closed);
  }
}

function readySample(n: number, session: ProbeSession, version: string | undefined): NewConnectionSample {
  const { startedAtEpoch: startedAt, connectMs = 0, ttfbMs } = session.timings;
  if (version === undefined) {
    return { ok: false, n, startedAt, failure: 'unidentified', detail: 'the opening exchange passed but named no version (or none that looks like one)', connectMs };
  }
  return { ok: true, n, startedAt, version, connectMs, ttfbMs };
}

function failedSample(n: number, session: ProbeSession, failure: SessionFailure): NewConnectionSample {
  const { startedAtEpoch: startedAt, connectMs } = session.timings;
  return { ok: false, n, startedAt, failure: failure.kind, detail: failure.detail, connectMs };
}
