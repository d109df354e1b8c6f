import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { formatAddress, formatBanner } from './banner.js';
import { EndReason } from './end-reason.js';
import { IdleTimer } from './idle-timer.js';
import { createLineEcho, type LineEcho } from './line-echo.js';
import type { EchoMetrics } from './metrics.js';

/** What every connection of one server shares. */
export interface ConnectionContext {
  clock: Clock;
  logger: Logger;
  metrics: EchoMetrics;
  version: string;
  pod: string;
  prefix: string | undefined;
  banner: boolean;
  /** 0: no idle timeout. */
  idleTimeoutMs: number;
  maxLineBytes: number;
  /** How long a half-closed connection may wait for the client's FIN before it is destroyed. */
  finLingerMs: number;
  /** Called once, when the socket has closed. */
  onClosed(connection: EchoConnection, reason: EndReason): void;
}

/**
 * One TCP client: banner, echo (with back-pressure: reading pauses while the client does not
 * read), idle timeout, line limit, and exactly one log line and one metric update when it ends.
 */
export class EchoConnection {
  private readonly openedAt: number;
  private readonly peer: string;
  private readonly lineEcho: LineEcho;
  private readonly idle: IdleTimer | undefined;
  private bytesIn = 0;
  private bytesOut = 0;
  private reason: EndReason | undefined;
  /** Set once the server has sent its FIN or destroyed the socket: no more echoes. */
  private finishing = false;
  private linger: TimerHandle | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.openedAt = ctx.clock.monotonic();
    this.peer = peerOf(socket);
    this.lineEcho = createLineEcho({ prefix: ctx.prefix, maxLineBytes: ctx.maxLineBytes });
    this.idle = ctx.idleTimeoutMs > 0 ? new IdleTimer(ctx.clock, ctx.idleTimeoutMs, this.onIdle) : undefined;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    if (ctx.banner) this.send(Buffer.from(this.bannerText()));
  }

  /** Half-close (FIN) now; destroy if the client has not closed its side after the linger. */
  finish(reason: EndReason): void {
    if (this.finishing) return;
    this.stopEchoing(reason);
    this.socket.end();
    this.linger = this.ctx.clock.setTimer(() => this.socket.destroy(), this.ctx.finLingerMs);
  }

  /** Close at once. */
  destroy(reason: EndReason): void {
    this.stopEchoing(reason);
    this.socket.destroy();
  }

  private bannerText(): string {
    const { socket, ctx } = this;
    return formatBanner({
      at: ctx.clock.now(),
      server: { address: socket.localAddress ?? '?', port: socket.localPort ?? 0 },
      client: { address: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 },
      version: ctx.version,
      pod: ctx.pod,
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    this.bytesIn += chunk.length;
    this.ctx.metrics.countBytes('tcp', 'received', chunk.length);
    if (this.finishing) return;
    this.idle?.touch();
    const { reply, overflow } = this.lineEcho.push(chunk);
    if (overflow) this.destroy(EndReason.LineTooLong);
    else if (reply) this.send(reply);
  };

  private send(bytes: Buffer): void {
    this.bytesOut += bytes.length;
    this.ctx.metrics.countBytes('tcp', 'sent', bytes.length);
    if (this.socket.write(bytes)) return;
    this.socket.pause();
    this.socket.once('drain', () => this.socket.resume());
  }

  private readonly onIdle = (): void => this.finish(EndReason.IdleTimeout);

  private readonly onEnd = (): void => {
    this.reason ??= EndReason.ClientClosed;
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    this.reason ??= err.code === 'ECONNRESET' || err.code === 'EPIPE' ? EndReason.Reset : EndReason.Error;
  };

  private readonly onClose = (): void => {
    this.idle?.cancel();
    this.linger?.cancel();
    const reason = this.reason ?? EndReason.ClientClosed;
    this.ctx.metrics.closed(reason);
    logConnectionEnd(this.ctx.logger, {
      peer: this.peer,
      version: this.ctx.version,
      durationMs: Math.round(this.ctx.clock.monotonic() - this.openedAt),
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      reason,
    });
    this.ctx.onClosed(this, reason);
  };

  private stopEchoing(reason: EndReason): void {
    this.reason ??= reason;
    this.finishing = true;
    this.idle?.cancel();
  }
}

/** The one log line of a connection's end. */
export interface ConnectionEnd {
  /** The client's `ip:port`. */
  peer: string;
  version: string;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  reason: EndReason;
}

export function logConnectionEnd(logger: Logger, end: ConnectionEnd): void {
  logger.info('connection closed', { ...end });
}

export function peerOf(socket: Socket): string {
  return formatAddress({ address: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
}
