import { ByteAccumulator } from './byte-accumulator.js';

/**
 * What a connection sends back for the bytes it receives, as a pure per-connection state machine.
 *
 * - No prefix: the bytes come back verbatim, as they arrive (socat `EXEC:cat` of the examples),
 *   partial lines included. Only the length of the current unterminated line is tracked.
 * - Prefix: only complete lines are answered, each as `<prefix> <line>\n` where `<line>` is the
 *   line as received minus its `\n` or `\r\n` terminator (Istio's tcp-echo). A partial line waits;
 *   one left when the stream ends is dropped, as tcp-echo does.
 *
 * Either way a line longer than `maxLineBytes` (counting the bytes before its `\n`) is an
 * overflow and the caller closes the connection, so a connection never holds more than about
 * `maxLineBytes` of input.
 */
export interface LineEchoResult {
  /** Bytes to send back, or undefined when there is nothing to send yet. */
  reply?: Buffer;
  /** The current line grew past maxLineBytes: close the connection. */
  overflow: boolean;
}

export interface LineEcho {
  push(chunk: Buffer): LineEchoResult;
}

export interface LineEchoOptions {
  prefix?: string | undefined;
  maxLineBytes: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const NEWLINE_BUFFER = Buffer.from('\n');
const OVERFLOW: LineEchoResult = { overflow: true };
const NOTHING_YET: LineEchoResult = { overflow: false };

export function createLineEcho(options: LineEchoOptions): LineEcho {
  return options.prefix === undefined
    ? new VerbatimEcho(options.maxLineBytes)
    : new PrefixedLineEcho(Buffer.from(`${options.prefix} `), options.maxLineBytes);
}

class VerbatimEcho implements LineEcho {
  private pendingLineBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): LineEchoResult {
    let lineBytes = this.pendingLineBytes;
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      if (lineBytes + end - start > this.maxLineBytes) return OVERFLOW;
      lineBytes = 0;
      start = end + 1;
    }
    this.pendingLineBytes = lineBytes + chunk.length - start;
    if (this.pendingLineBytes > this.maxLineBytes) return OVERFLOW;
    return { reply: chunk, overflow: false };
  }
}

class PrefixedLineEcho implements LineEcho {
  private readonly pending = new ByteAccumulator();

  constructor(
    private readonly prefix: Buffer,
    private readonly maxLineBytes: number,
  ) {}

  push(chunk: Buffer): LineEchoResult {
    if (!chunk.includes(NEWLINE)) return this.hold(chunk);
    this.pending.append(chunk);
    const data = this.pending.view();
    const replies: Buffer[] = [];
    let start = 0;
    for (let end = data.indexOf(NEWLINE); end >= 0; end = data.indexOf(NEWLINE, start)) {
      if (end - start > this.maxLineBytes) return OVERFLOW;
      replies.push(this.prefix, withoutCarriageReturn(data.subarray(start, end)), NEWLINE_BUFFER);
      start = end + 1;
    }
    const reply = Buffer.concat(replies);
    this.pending.dropBefore(start);
    if (this.pending.length > this.maxLineBytes) return OVERFLOW;
    return { reply, overflow: false };
  }

  private hold(chunk: Buffer): LineEchoResult {
    if (this.pending.length + chunk.length > this.maxLineBytes) return OVERFLOW;
    this.pending.append(chunk);
    return NOTHING_YET;
  }
}

function withoutCarriageReturn(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.subarray(0, line.length - 1) : line;
}

/** The largest UDP payload over IPv4 (65535 - 8 UDP header - 20 IP header): a larger send fails with EMSGSIZE. */
export const MAX_UDP_PAYLOAD = 65_507;

export interface DatagramReply {
  /** undefined: nothing to send (an empty datagram with a prefix, or no line fitted). */
  reply: Buffer | undefined;
  /** Lines left out because the reply would have passed its bound. */
  droppedLines: number;
}

/**
 * The reply to one UDP datagram. A datagram is a whole message, so with a prefix each of its
 * lines (a last one without `\n` included) comes back as `<prefix> <line>\n`; without a prefix
 * the datagram comes back verbatim. A reply is never larger than twice the request plus one
 * prefix, nor than MAX_UDP_PAYLOAD: a spoofed source must not turn the echo into an amplifier
 * (a flood of newlines used to come back 5 times larger with prefix `two`). Whole lines past the
 * bound are left out and counted; the caller reports them (metric), never silently.
 */
export function datagramReply(message: Buffer, prefix: string | undefined): DatagramReply {
  if (prefix === undefined) return { reply: message, droppedLines: 0 };
  const head = Buffer.from(`${prefix} `);
  const budget = Math.min(MAX_UDP_PAYLOAD, 2 * message.length + head.length + 1);
  const parts: Buffer[] = [];
  let size = 0;
  let droppedLines = 0;
  let start = 0;
  while (start < message.length) {
    const newline = message.indexOf(NEWLINE, start);
    const end = newline < 0 ? message.length : newline;
    const line = withoutCarriageReturn(message.subarray(start, end));
    const lineSize = head.length + line.length + 1;
    if (size + lineSize <= budget) {
      parts.push(head, line, NEWLINE_BUFFER);
      size += lineSize;
    } else droppedLines += 1;
    start = end + 1;
  }
  return { reply: parts.length === 0 ? undefined : Buffer.concat(parts), droppedLines };
}
