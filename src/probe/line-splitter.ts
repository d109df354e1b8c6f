import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines (without `\n` or a trailing `\r`). A partial line longer than
 * `maxLineLength` marks the stream as overflowed: no probe line is that long, so it is garbage.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  overflowed = false;

  constructor(private readonly maxLineLength = 16 * 1024) {}

  push(chunk: Buffer): string[] {
    this.pending += this.decoder.write(chunk);
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    if (this.pending.length > this.maxLineLength) this.overflowed = true;
    return parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }
}
