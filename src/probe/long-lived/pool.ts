import type { Clock, TimerHandle } from '../../util/clock.js';
import type { ProbeAddress } from '../address.js';
import type { EchoSessionEvents, SessionFailure } from '../echo-session.js';
import type { IdentifyConfig } from '../identify.js';
import { openSession, sessionConfig, type ProbeSession, type ProtocolOptions, type SessionConfig } from '../session.js';
import type { EndKind, LongLivedBlock, LongLivedConnectionRecord } from '../report-blocks.js';
import { longLivedBlock } from './block.js';
import { classifyEnd, type WeightChange } from './drain-windows.js';

export interface LongLivedPoolOptions extends ProtocolOptions {
  address: ProbeAddress;
  identify: IdentifyConfig;
  /** How many connections to keep. */
  connections: number;
  heartbeatMs: number;
  /** Each heartbeat must be echoed within this. */
  timeoutMs: number;
  clock: Clock;
  /** Defaults to timeoutMs. */
  connectTimeoutMs?: number;
  /** Replace ended connections (default off; see setTopUp). */
  topUp?: boolean;
  /** Connection attempts in flight at once while opening (default 256). */
  openConcurrency?: number;
}

/** An ended connection, as pushed to onEnd listeners. */
export interface EndedConnection extends LongLivedConnectionRecord {
  endedAt: number;
  end: EndKind;
}

/** Open connection, for tests and tools that act on one connection (a proxy fault, say). */
export interface OpenConnection {
  id: number;
  version: string | null;
  openedAt: number;
  localPort: number | undefined;
}

/** A point in the pool's history; snapshot(mark) reports what happened after it. */
export interface PoolMark {
  readonly at: number;
  readonly endIndex: number;
  readonly heartbeats: number;
}

/** What the pool does when a member's session reports; one object shared by all members. */
interface MemberHooks {
  ready(member: Member, version: string | null): void;
  echoed(): void;
  failed(member: Member, failure: SessionFailure): void;
}

/** One connection of the pool; it is its session's event sink (no closures per connection). */
class Member implements EchoSessionEvents {
  readonly session: ProbeSession;
  version: string | null = null;
  open = false;
  beat: TimerHandle | undefined;
  nextBeatAt = 0;

  constructor(
    readonly id: number,
    /** One of the N connections start() opens. */
    readonly initial: boolean,
    readonly openedAt: number,
    config: SessionConfig,
    private readonly hooks: MemberHooks,
  ) {
    this.session = openSession(config, String(id), this);
  }

  ready(version: string | undefined): void {
    this.hooks.ready(this, version ?? null);
  }

  echoed(): void {
    this.hooks.echoed();
  }

  failed(failure: SessionFailure): void {
    this.hooks.failed(this, failure);
  }
}

/**
 * Long-lived probe connections kept across shift steps. Each sends `PING <id> <seq>` every
 * heartbeat and must see it echoed within the timeout (or runs its protocol's heartbeat steps,
 * src/probe/protocol), so a silent death is detected at most
 * heartbeat + timeout after it happens. The connections' heartbeats are spread over the interval. Every end is classified (drained, closed, reset,
 * timeout, corrupt, refused) and pushed to onEnd listeners as it happens, so the shift engine
 * can roll back on the first breach. Optionally tops itself up to N connections.
 */
export class LongLivedPool {
  private readonly members = new Map<number, Member>();
  private readonly ended: EndedConnection[] = [];
  private readonly changes: WeightChange[] = [];
  private readonly listeners = new Set<(end: EndedConnection) => void>();
  private readonly replacements = new Set<TimerHandle>();
  private readonly sessionConfig: SessionConfig;
  private readonly hooks: MemberHooks;
  private nextId = 1;
  private queued = 0;
  private opening = 0;
  private heartbeatsEchoed = 0;
  private heartbeatsSent = 0;
  private topUp: boolean;
  private started = false;
  private stopped = false;
  private initialPending = 0;
  private initialDone: (() => void) | undefined;

  constructor(private readonly options: LongLivedPoolOptions) {
    this.topUp = options.topUp ?? false;
    this.sessionConfig = sessionConfig({
      ...options,
      connectTimeoutMs: options.connectTimeoutMs ?? options.timeoutMs,
      replyTimeoutMs: options.timeoutMs,
    });
    this.hooks = {
      ready: (member, version) => this.onReady(member, version),
      echoed: () => { this.heartbeatsEchoed++; },
      failed: (member, failure) => this.onFailed(member, failure),
    };
  }

  /** Open the N connections; resolves when each has opened or ended once. */
  start(): Promise<void> {
    if (this.started) throw new Error('LongLivedPool.start() was already called');
    this.started = true;
    this.initialPending = this.options.connections;
    const done = new Promise<void>((resolve) => {
      this.initialDone = resolve;
    });
    if (this.initialPending === 0) this.initialDone?.();
    this.queued += this.options.connections;
    this.openQueued();
    return done;
  }

  /** Turn replacing ended connections on or off; turning it on fills the pool up to N now. */
  setTopUp(on: boolean): void {
    this.topUp = on;
    if (!on || this.stopped) return;
    const deficit = this.options.connections - this.members.size - this.queued - this.replacements.size;
    if (deficit > 0) {
      this.queued += deficit;
      this.openQueued();
    }
  }

  /**
   * The caller changed the weights at atEpochMs: connections opened before it that the peer
   * closes or resets within drainWindowMs after it are `drained`, not breakage. The change is
   * returned so that a caller who announced it before knowing its end (a write not answered yet)
   * can set drainWindowMs once it does; ends are classified with the window as it is then.
   */
  announceWeightChange(atEpochMs: number, drainWindowMs: number): WeightChange {
    const change = { atEpochMs, drainWindowMs };
    this.changes.push(change);
    return change;
  }

  /** Call listener for every end as it happens; returns the unsubscribe function. */
  onEnd(listener: (end: EndedConnection) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  mark(): PoolMark {
    return { at: this.options.clock.now(), endIndex: this.ended.length, heartbeats: this.heartbeatsEchoed };
  }

  /** The report block since `since` (or since start): ends, heartbeats, connections. */
  snapshot(since?: PoolMark): LongLivedBlock {
    const open = [...this.members.values()].filter((m) => m.open).map((m) => openRecord(m));
    return longLivedBlock(this.ended.slice(since?.endIndex ?? 0), open, this.heartbeatsEchoed - (since?.heartbeats ?? 0));
  }

  /** Every end so far, oldest first. */
  ends(): readonly EndedConnection[] {
    return this.ended;
  }

  /** Heartbeat lines sent and echoed since start. */
  heartbeatCounts(): { sent: number; echoed: number } {
    return { sent: this.heartbeatsSent, echoed: this.heartbeatsEchoed };
  }

  openConnections(): OpenConnection[] {
    return [...this.members.values()]
      .filter((m) => m.open)
      .map((m) => ({ id: m.id, version: m.version, openedAt: m.openedAt, localPort: m.session.localPort }));
  }

  /** Close every connection from our side (not reported as ends); no more top-ups. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queued = 0;
    for (const timer of this.replacements) timer.cancel();
    this.replacements.clear();
    const closing = [...this.members.values()].map((m) => {
      m.beat?.cancel();
      return m.session.close();
    });
    this.members.clear();
    this.initialDone?.();
    await Promise.all(closing);
  }

  private openQueued(): void {
    const limit = this.options.openConcurrency ?? 256;
    while (!this.stopped && this.queued > 0 && this.opening < limit) {
      this.queued--;
      this.opening++;
      this.openOne();
    }
  }

  private openOne(): void {
    const id = this.nextId++;
    const initial = this.initialPending > 0 && id <= this.options.connections;
    const member = new Member(id, initial, this.options.clock.now(), this.sessionConfig, this.hooks);
    this.members.set(id, member);
  }

  private onReady(member: Member, version: string | null): void {
    member.open = true;
    member.version = version;
    this.settleOpening(member);
    member.nextBeatAt = this.options.clock.monotonic() + this.options.heartbeatMs * spread(member.id);
    this.scheduleBeat(member);
  }

  /** Fixed-rate heartbeats; if the process fell behind, skip to the next slot rather than burst. */
  private scheduleBeat(member: Member): void {
    const { clock, heartbeatMs } = this.options;
    const now = clock.monotonic();
    while (member.nextBeatAt < now) member.nextBeatAt += heartbeatMs;
    member.beat = clock.setTimer(() => {
      this.heartbeatsSent++;
      member.session.ping();
      member.nextBeatAt += heartbeatMs;
      this.scheduleBeat(member);
    }, member.nextBeatAt - now);
  }

  private onFailed(member: Member, failure: SessionFailure): void {
    member.beat?.cancel();
    this.members.delete(member.id);
    const wasOpen = member.open;
    if (!wasOpen) this.settleOpening(member);
    const record: EndedConnection = {
      id: member.id,
      version: member.version,
      openedAt: member.openedAt,
      endedAt: failure.at,
      end: classifyEnd(failure.kind, member.openedAt, failure.at, this.changes),
      detail: failure.detail,
      ...(failure.peerExcerpt === undefined ? {} : { peerExcerpt: failure.peerExcerpt }),
    };
    if (record.end === 'timeout') record.detectionMs = failure.at - failure.lastAliveAt;
    this.ended.push(record);
    for (const listener of this.listeners) listener(record);
    if (this.topUp && !this.stopped) this.replace(wasOpen);
  }

  /** A connection that was serving is replaced at once; a failed attempt after a heartbeat. */
  private replace(wasOpen: boolean): void {
    if (wasOpen) {
      this.queued++;
      this.openQueued();
      return;
    }
    const timer = this.options.clock.setTimer(() => {
      this.replacements.delete(timer);
      this.queued++;
      this.openQueued();
    }, this.options.heartbeatMs);
    this.replacements.add(timer);
  }

  private settleOpening(member: Member): void {
    this.opening--;
    if (member.initial && --this.initialPending === 0) this.initialDone?.();
    this.openQueued();
  }
}

/**
 * Phase of a connection's heartbeats within the interval, in (0, 1]: the golden-ratio sequence
 * spreads any number of connections evenly, so ten thousand do not ping in the same millisecond.
 */
function spread(id: number): number {
  return 1 - ((id * 0.6180339887498949) % 1);
}

function openRecord(m: Member): LongLivedConnectionRecord {
  return { id: m.id, version: m.version, openedAt: m.openedAt, endedAt: null, end: null };
}
