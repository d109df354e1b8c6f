import type net from 'node:net';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { ProbeAddress } from './address.js';
import type { ServerGreeting } from './identify.js';
import { LineSplitter } from './line-splitter.js';
import { describePeerLine, peerExcerpt } from './peer-text.js';
import { SessionMarks } from './session-marks.js';
import { connectSocket, peerCertificate, socketErrorKind, type TlsSettings } from './protocol/connect.js';

/** How a session failed; `drained` is decided later by the pool, from announced weight changes. */
export type SessionFailureKind = 'closed' | 'reset' | 'timeout' | 'corrupt' | 'refused';

export interface SessionFailure {
  kind: SessionFailureKind;
  /** Never holds bytes the peer sent (src/probe/peer-text.ts). */
  detail: string;
  /** The offending line of a corrupt end, as a short marked excerpt: for diagnostics, never status. */
  peerExcerpt?: string;
  /** A script's corrupt end: what was received, by shape only (src/probe/protocol/received-shape.ts). */
  received?: string;
  /** Epoch ms of detection. */
  at: number;
  /** Epoch ms of the last sign of life: the last echo, else the connect. */
  lastAliveAt: number;
}

/** What every session of a pool or sampler shares (one object, not one per connection). */
export interface EchoSessionConfig {
  address: ProbeAddress;
  clock: Clock;
  identify: (greeting: ServerGreeting) => string | undefined;
  connectTimeoutMs: number;
  /** Each line sent must be echoed within this. */
  replyTimeoutMs: number;
  /** TLS around the connection (spec.probe.tls); undefined: plain TCP. */
  tls?: TlsSettings | undefined;
}

export interface EchoSessionEvents {
  /** The first line was echoed; version is undefined when the greeting did not identify one. */
  ready(version: string | undefined): void;
  /** A heartbeat was echoed, rttMs after it was sent. */
  echoed(seq: number, rttMs: number): void;
  /** The session ended on its own (not by close()); called at most once, the socket is gone. */
  failed(failure: SessionFailure): void;
}

/** Timings of a session: when it started (epoch ms) and durations in ms. */
export interface SessionTimings {
  startedAtEpoch: number;
  connectMs?: number;
  /** From connect to the first byte received. */
  ttfbMs?: number;
}

interface Outstanding {
  seq: number;
  line: string;
  sentAt: number;
}

/** What the server sent before its first echo; dropped once the session is ready. */
interface Greeting {
  lines: string[];
  /** A blank line ended the banner: any further line that is not the echo is corrupt. */
  ended: boolean;
}

/** Most lines a banner may have before the echo; more is not a greeting. */
const MAX_BANNER_LINES = 64;

/**
 * One probe connection speaking the echo protocol: connect, send `PING <tag> 0`, read the
 * greeting (banner lines, then the echo, possibly as `<prefix> <line>`), identify the version;
 * then echo further `PING <tag> <seq>` lines on demand, each within the reply timeout. Every
 * way it can end is classified: refused (connection refused, or closed/reset before the server
 * sent a byte), closed (FIN), reset (RST), timeout (no echo in time: silent death), corrupt
 * (wrong bytes). All timers go through the injected clock.
 */
export class EchoSession {
  private readonly socket: net.Socket;
  private readonly splitter = new LineSplitter();
  private readonly outstanding: Outstanding[] = [];
  private greeting: Greeting | undefined = { lines: [], ended: false };
  private readonly marks: SessionMarks;
  private connectTimer: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private replyPrefix: string | undefined;
  private seq = 0;
  private ended = false;
  private socketClosed = false;

  // Memory per session matters (10,000 long-lived connections in one process): the config is
  // shared, the events sink is the caller's own object, listeners are plain `on` (no once
  // wrappers), and the greeting is dropped once read.
  constructor(
    private readonly config: EchoSessionConfig,
    private readonly tag: string,
    private readonly events: EchoSessionEvents,
  ) {
    const { clock, address } = config;
    this.marks = new SessionMarks(clock);
    this.socket = connectSocket(address, config.tls);
    this.connectTimer = clock.setTimer(() => this.fail('timeout', `no connection within ${config.connectTimeoutMs}ms`), config.connectTimeoutMs);
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.fail('closed', 'closed by peer (FIN)'));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
    this.socket.on('close', () => {
      this.socketClosed = true;
      this.fail('closed', 'socket closed');
    });
  }

  get isReady(): boolean {
    return this.replyPrefix !== undefined;
  }

  get timings(): SessionTimings {
    return this.marks.timings();
  }

  /** Local port of the socket (to find it in a proxy's table); undefined before connect. */
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** Send the next heartbeat line; its echo is due within the reply timeout. */
  ping(): void {
    if (this.ended || !this.isReady) return;
    this.send(++this.seq);
  }

  /** Close from our side (FIN); no failure is reported. Resolves when the socket is closed. */
  close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.clearTimers();
      this.socket.destroy();
    }
    if (this.socketClosed) return Promise.resolve();
    return new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  private onConnect(): void {
    this.marks.connect();
    this.connectTimer?.cancel();
    this.connectTimer = undefined;
    this.send(0);
  }

  private send(seq: number): void {
    const line = `PING ${this.tag} ${seq}`;
    this.outstanding.push({ seq, line, sentAt: this.config.clock.monotonic() });
    this.socket.write(`${line}\n`);
    if (this.outstanding.length === 1) this.armDeadline();
  }

  /** One timer, for the oldest line still waiting for its echo. */
  private armDeadline(): void {
    this.deadline?.cancel();
    this.deadline = undefined;
    const oldest = this.outstanding[0];
    if (!oldest) return;
    const { clock, replyTimeoutMs } = this.config;
    const remaining = oldest.sentAt + replyTimeoutMs - clock.monotonic();
    this.deadline = clock.setTimer(
      () => this.fail('timeout', `no echo of '${oldest.line}' within ${replyTimeoutMs}ms`),
      Math.max(0, remaining),
    );
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.marks.heard();
    for (const line of this.splitter.push(chunk)) {
      if (this.ended) return;
      if (this.greeting) this.onGreetingLine(this.greeting, line);
      else this.onEcho(line);
    }
    if (this.splitter.overflowed) this.fail('corrupt', 'a line longer than 16 KiB without a newline');
  }

  private onGreetingLine(greeting: Greeting, line: string): void {
    const expected = this.outstanding[0]?.line ?? '';
    if (line === expected || line.endsWith(` ${expected}`)) {
      this.onGreetingEcho(greeting, line, line.slice(0, Math.max(0, line.length - expected.length - 1)));
      return;
    }
    if (greeting.ended || greeting.lines.length >= MAX_BANNER_LINES) {
      this.fail('corrupt', `expected an echo of '${expected}', got ${describePeerLine(line)}`, line);
      return;
    }
    if (line === '') greeting.ended = true;
    else greeting.lines.push(line);
  }

  private onGreetingEcho(greeting: Greeting, line: string, prefix: string): void {
    this.greeting = undefined;
    this.replyPrefix = prefix;
    this.outstanding.shift();
    this.armDeadline();
    this.marks.alive();
    const certificate = peerCertificate(this.socket);
    this.events.ready(this.config.identify({ bannerLines: greeting.lines, replyLine: line, replyPrefix: prefix, ...(certificate ? { certificate } : {}) }));
  }

  private onEcho(line: string): void {
    const head = this.outstanding.shift();
    if (!head) {
      this.fail('corrupt', `unsolicited: ${describePeerLine(line)}`, line);
      return;
    }
    const expected = this.replyPrefix ? `${this.replyPrefix} ${head.line}` : head.line;
    if (line !== expected) {
      this.fail('corrupt', `expected the echo of '${head.line}'${this.replyPrefix ? ' after its prefix' : ''}, got ${describePeerLine(line)}`, line);
      return;
    }
    this.marks.alive();
    this.armDeadline();
    this.events.echoed(head.seq, this.config.clock.monotonic() - head.sentAt);
  }

  private onError(err: NodeJS.ErrnoException): void {
    this.fail(socketErrorKind(err, this.marks.connected), err.code ?? err.message);
  }

  /** `line`: what the peer sent that ended the session, kept only as a marked excerpt. */
  private fail(kind: SessionFailureKind, detail: string, line?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    this.socket.destroy();
    this.events.failed(this.marks.failure(kind, detail, this.isReady, line === undefined ? {} : { peerExcerpt: peerExcerpt(line) }));
  }

  private clearTimers(): void {
    this.connectTimer?.cancel();
    this.deadline?.cancel();
    this.connectTimer = undefined;
    this.deadline = undefined;
  }
}
