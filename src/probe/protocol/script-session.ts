import type net from 'node:net';
import { escapeBytes } from '../../spec/byte-escapes.js';
import { MAX_PATTERN_INPUT_CHARS } from '../../spec/version-pattern.js';
import type { TimerHandle } from '../../util/clock.js';
import type { EchoSessionEvents, SessionFailureKind, SessionTimings } from '../echo-session.js';
import type { ServerGreeting } from '../identify.js';
import { PEER_EXCERPT_BYTES } from '../peer-text.js';
import type { ProbeSession, SessionConfig } from '../session.js';
import { SessionMarks } from '../session-marks.js';
import { connectSocket, peerCertificate, socketErrorKind } from './connect.js';
import { ReceiveBuffer } from './receive-buffer.js';
import { describeReceived } from './received-shape.js';
import { describeStep, type CompiledScript } from './script.js';
import { ScriptRun, type RunState, type SendStep } from './script-run.js';

type Phase = 'connecting' | 'opening' | 'idle' | 'beating';

/**
 * One probe connection speaking a script (src/probe/protocol/script.ts): connect (TLS when set),
 * run the opening steps, identify the version from what they received (the `version` group, the
 * identify regex over the bytes, or the TLS certificate), then one run of the heartbeat steps per
 * ping(). Every expect has its own deadline: no bytes by then is `timeout` (silent death), bytes
 * that do not satisfy it are `corrupt` (with an escaped excerpt), more than the receive bound is
 * `corrupt` at once. Ends as EchoSession's. Kept small per connection: the script and config are
 * shared, the receive buffer is empty between exchanges, the transcript is dropped once identified.
 */
export class ScriptSession implements ProbeSession {
  private readonly socket: net.Socket;
  private readonly inbox = new ReceiveBuffer();
  private readonly script: CompiledScript;
  private phase: Phase = 'connecting';
  private run: ScriptRun | undefined;
  private transcript: Buffer | undefined = Buffer.alloc(0);
  private timer: TimerHandle | undefined;
  private waitingIndex = -1;
  private readonly marks: SessionMarks;
  private beatSentMono = 0;
  private seq = 0;
  private ended = false;
  private socketClosed = false;
  private overflowed = false;

  constructor(
    private readonly config: SessionConfig,
    private readonly tag: string,
    private readonly events: EchoSessionEvents,
  ) {
    const { clock } = config;
    this.script = config.script as CompiledScript;
    this.marks = new SessionMarks(clock);
    this.socket = connectSocket(config.address, config.tls);
    this.timer = clock.setTimer(() => this.fail('timeout', `no connection within ${config.connectTimeoutMs}ms`), config.connectTimeoutMs);
    this.socket.on(config.tls ? 'secureConnect' : 'connect', () => this.onConnect());
    if (config.tls) this.socket.on('connect', () => this.marks.connect());
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.fail('closed', 'closed by peer (FIN)'));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.fail(socketErrorKind(err, this.marks.connected), err.code ?? err.message));
    this.socket.on('close', () => {
      this.socketClosed = true;
      this.fail('closed', 'socket closed');
    });
  }

  get isReady(): boolean {
    return this.phase === 'idle' || this.phase === 'beating';
  }

  get timings(): SessionTimings {
    return this.marks.timings();
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** Run the heartbeat steps; ignored while the previous heartbeat still runs (its deadline is running). */
  ping(): void {
    if (this.ended || this.phase !== 'idle') return;
    this.seq++;
    this.phase = 'beating';
    this.beatSentMono = this.config.clock.monotonic();
    this.startRun(this.script.heartbeat);
  }

  /** Send the script's close bytes (MQTT DISCONNECT), then FIN; no failure is reported. */
  close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.clearTimer();
      if (this.script.close.length > 0 && this.marks.connected && this.phase !== 'connecting') {
        this.socket.end(this.script.close);
        const linger = this.config.clock.setTimer(() => this.socket.destroy(), this.config.replyTimeoutMs);
        this.socket.on('close', () => linger.cancel());
      } else this.socket.destroy();
    }
    if (this.socketClosed) return Promise.resolve();
    return new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  private onConnect(): void {
    this.marks.connect();
    this.clearTimer();
    this.phase = 'opening';
    this.startRun(this.script.open);
  }

  private startRun(steps: CompiledScript['open']): void {
    this.run = new ScriptRun(steps, (step) => this.send(step));
    this.waitingIndex = -1;
    this.advance();
  }

  private send(step: SendStep): void {
    this.socket.write(step.perConnection ? step.perConnection(this.tag) : step.bytes);
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.marks.heard();
    if (this.transcript && this.transcript.length < MAX_PATTERN_INPUT_CHARS) {
      this.transcript = Buffer.concat([this.transcript, chunk.subarray(0, MAX_PATTERN_INPUT_CHARS - this.transcript.length)]);
    }
    if (!this.inbox.append(chunk)) this.overflowed = true;
    if (this.run) this.advance();
    else if (this.overflowed) this.fail('corrupt', `more than ${this.inbox.length} unsolicited bytes between heartbeats`, this.inbox.peek());
  }

  private advance(): void {
    const run = this.run;
    if (!run || this.ended) return;
    const state = run.advance(this.inbox, this.overflowed);
    if (state.kind === 'done') this.finishRun(run);
    else if (state.kind === 'overflow') this.fail('corrupt', `${this.inbox.length} bytes without satisfying the ${this.where(state)}`, this.inbox.peek());
    else if (state.index !== this.waitingIndex) this.armDeadline(state);
  }

  private armDeadline(state: Extract<RunState, { kind: 'waiting' }>): void {
    this.clearTimer();
    this.waitingIndex = state.index;
    const timeoutMs = state.step.kind === 'send' ? 0 : state.step.timeoutMs;
    this.timer = this.config.clock.setTimer(() => this.onDeadline(state, timeoutMs), timeoutMs);
  }

  private onDeadline(state: Extract<RunState, { kind: 'waiting' }>, timeoutMs: number): void {
    this.timer = undefined;
    if (this.run?.settle(this.inbox)) {
      this.waitingIndex = -1;
      this.advance();
      return;
    }
    const where = this.where(state);
    if (this.inbox.length === 0) this.fail('timeout', `nothing received within ${timeoutMs}ms for the ${where}`);
    else this.fail('corrupt', `${this.inbox.length} bytes received in ${timeoutMs}ms do not satisfy the ${where}`, this.inbox.peek());
  }

  private where(state: { step: CompiledScript['open'][number]; index: number }): string {
    const part = this.phase === 'opening' ? 'opening' : 'heartbeat';
    return `${this.script.name} ${part} step ${state.index + 1} (${describeStep(state.step)})`;
  }

  private finishRun(run: ScriptRun): void {
    this.clearTimer();
    this.run = undefined;
    this.marks.alive();
    if (this.phase === 'opening') {
      this.phase = 'idle';
      const greeting = this.greeting(run.captured);
      this.transcript = undefined;
      this.events.ready(this.config.identify(greeting));
      return;
    }
    this.phase = 'idle';
    this.events.echoed(this.seq, this.config.clock.monotonic() - this.beatSentMono);
  }

  /** What the opening received, as the identify modes read it (src/probe/identify.ts). */
  private greeting(captured: string | undefined): ServerGreeting {
    const lines = (this.transcript ?? Buffer.alloc(0)).toString('latin1').split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
    if (lines.at(-1) === '') lines.pop();
    const certificate = peerCertificate(this.socket);
    return { script: this.script.name, bannerLines: lines, replyLine: '', replyPrefix: captured ?? '', ...(captured === undefined ? {} : { captured }), ...(certificate ? { certificate } : {}) };
  }

  private fail(kind: SessionFailureKind, detail: string, bytes?: Buffer): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimer();
    this.socket.destroy();
    this.events.failed(this.marks.failure(kind, detail, this.isReady, bytes === undefined ? {} : { peerExcerpt: bytesExcerpt(bytes), received: describeReceived(bytes) }));
  }

  private clearTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

/** `peer bytes (first 24 of 41, escaped): "+PONX\r\n"`: the notation of probe scripts, cut, marked. */
export function bytesExcerpt(bytes: Buffer): string {
  const of = bytes.length > PEER_EXCERPT_BYTES ? `first ${PEER_EXCERPT_BYTES} of ${bytes.length}` : `${bytes.length}`;
  return `peer bytes (${of}, escaped): "${escapeBytes(bytes.subarray(0, PEER_EXCERPT_BYTES))}"`;
}
