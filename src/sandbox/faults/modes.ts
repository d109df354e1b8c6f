/**
 * What the fault proxy does to traffic:
 * - pass: forward both ways.
 * - blackhole: stop forwarding both ways; sockets stay open, no FIN, no RST (a silent death).
 *   Bytes wait in the kernel buffers; switching back to pass delivers them, like a healed link.
 * - reset: RST the client side (socket.resetAndDestroy()) and drop the upstream.
 * - close: FIN to the client and to the upstream.
 * - delay: forward every chunk `delayMs` later, both ways, in order.
 * - corrupt: flip bits of every byte sent toward the client (line ends kept, so the client sees
 *   a wrong line rather than none). Only that way: flipping both ways would cancel out on an echo.
 * - refuse: new connections are accepted and reset at once; existing ones are untouched.
 * For new connections, reset behaves as refuse and close as an immediate FIN.
 */
export type FaultMode = 'pass' | 'blackhole' | 'reset' | 'close' | 'delay' | 'corrupt' | 'refuse';

export const FAULT_MODES: readonly FaultMode[] = ['pass', 'blackhole', 'reset', 'close', 'delay', 'corrupt', 'refuse'];

export interface FaultOptions {
  /** delay mode: how long each chunk is held. */
  delayMs?: number;
  /** Apply to this connection only (an id from connections()); default: all, and new ones. */
  connection?: number;
}

/** A mode with its parameter, as applied to a connection. */
export interface FaultSetting {
  mode: FaultMode;
  delayMs: number;
}

/** Validate a mode and its options into a setting; throws a message naming the problem. */
export function faultSetting(mode: FaultMode, options: FaultOptions = {}): FaultSetting {
  if (!FAULT_MODES.includes(mode)) throw new Error(`fault mode '${String(mode)}' is not one of ${FAULT_MODES.join(', ')}`);
  if (mode === 'delay' && !(options.delayMs !== undefined && options.delayMs >= 0 && Number.isFinite(options.delayMs))) {
    throw new Error('fault mode delay needs delayMs >= 0');
  }
  if (mode === 'refuse' && options.connection !== undefined) {
    throw new Error('fault mode refuse applies to new connections only, not to connection ' + String(options.connection));
  }
  return { mode, delayMs: mode === 'delay' ? (options.delayMs as number) : 0 };
}

const LF = 0x0a;
const CR = 0x0d;

/** Flip the lowest bit of every byte, except that line ends are neither made nor destroyed. */
export function corruptBytes(chunk: Buffer): Buffer {
  const out = Buffer.allocUnsafe(chunk.length);
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i] as number;
    const flipped = b ^ 0x01;
    out[i] = b === LF || b === CR || flipped === LF || flipped === CR ? b : flipped;
  }
  return out;
}
