import { MAX_RECEIVE_BYTES } from '../../spec/probe-protocol.js';

const EMPTY = Buffer.alloc(0);

/**
 * Bytes received and not yet consumed by an expect, bounded by MAX_RECEIVE_BYTES (a peer that
 * sends more without satisfying the expect is corrupt, not a reason to grow). An idle connection
 * holds the shared empty buffer, so 10,000 idle probe connections hold no receive memory.
 */
export class ReceiveBuffer {
  private bytes: Buffer = EMPTY;

  constructor(private readonly limit = MAX_RECEIVE_BYTES) {}

  get length(): number {
    return this.bytes.length;
  }

  /** False (and nothing kept past the limit) when the unconsumed bytes would exceed it. */
  append(chunk: Buffer): boolean {
    if (this.bytes.length + chunk.length > this.limit) {
      this.bytes = Buffer.concat([this.bytes, chunk.subarray(0, this.limit - this.bytes.length)]);
      return false;
    }
    this.bytes = this.bytes.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.bytes, chunk]);
    return true;
  }

  /** The unconsumed bytes, one character per byte (what expect patterns match). */
  text(): string {
    return this.bytes.toString('latin1');
  }

  peek(): Buffer {
    return this.bytes;
  }

  consume(count: number): void {
    this.bytes = count >= this.bytes.length ? EMPTY : this.bytes.subarray(count);
  }
}
