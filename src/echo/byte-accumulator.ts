/**
 * Bytes appended piece by piece into one buffer that doubles as it fills: appending n bytes in
 * one-byte pieces costs O(n) copying, not O(n²), and holds one buffer rather than n small ones
 * (a slowloris client sending a byte at a time stays cheap).
 */
export class ByteAccumulator {
  private storage: Buffer = Buffer.alloc(0);
  private used = 0;

  get length(): number {
    return this.used;
  }

  append(bytes: Buffer): void {
    if (this.used + bytes.length > this.storage.length) this.grow(this.used + bytes.length);
    bytes.copy(this.storage, this.used);
    this.used += bytes.length;
  }

  /** The bytes held so far (a view: valid until the next append or clear). */
  view(): Buffer {
    return this.storage.subarray(0, this.used);
  }

  /** Keep only the bytes from `offset` on. */
  dropBefore(offset: number): void {
    this.storage.copy(this.storage, 0, offset, this.used);
    this.used -= offset;
    if (this.used === 0 && this.storage.length > INITIAL_CAPACITY) this.storage = Buffer.alloc(0);
  }

  private grow(needed: number): void {
    let capacity = Math.max(this.storage.length, INITIAL_CAPACITY);
    while (capacity < needed) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.storage.copy(next, 0, 0, this.used);
    this.storage = next;
  }
}

const INITIAL_CAPACITY = 256;
