import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines (without `\n` or a trailing `\r`). A partial line longer than
 * `maxLineLength` marks the stream as overflowed: no probe line is that long, so it is garbage.
 * Text is UTF-8; the decoder (which keeps a buffer per stream) is only made once a non-ASCII
 * byte arrives, since probe traffic is ASCII and there may be 10,000 streams.
 */
export class LineSplitter {
  private decoder: StringDecoder | undefined;
  private pending = '';
  overflowed = false;

  constructor(private readonly maxLineLength = 16 * 1024) {}

  push(chunk: Buffer): string[] {
    this.pending += this.decode(chunk);
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    if (this.pending.length > this.maxLineLength) this.overflowed = true;
    return parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }

  private decode(chunk: Buffer): string {
    if (!this.decoder && chunk.every((b) => b < 0x80)) return chunk.toString('latin1');
    this.decoder ??= new StringDecoder('utf8');
    return this.decoder.write(chunk);
  }
}
