/**
 * The byte notation of probe scripts (`spec.probe.protocol.open[].send`): text with the escapes
 * `\r`, `\n`, `\t`, `\0`, `\\` and `\xNN` (two hex digits, any byte), every other character as
 * its UTF-8 bytes; and `sendHex`, hex digits two per byte (spaces between bytes allowed).
 * `escapeBytes` is the inverse, used to show a peer's bytes in a report: printable ASCII as is,
 * the named escapes, `\xNN` for everything else, so `parseEscapes(escapeBytes(b))` is `b`.
 */
export type ParsedBytes = { ok: true; bytes: Buffer } | { ok: false; problem: string };

const NAMED: Record<string, number> = { r: 0x0d, n: 0x0a, t: 0x09, '0': 0x00, '\\': 0x5c };
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;

export const ESCAPES_HELP = 'text with the escapes \\r, \\n, \\t, \\0, \\\\ and \\xNN (any byte)';

/** Bytes of an escaped text, or what is wrong with it (with the character offset). */
export function parseEscapes(text: string): ParsedBytes {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\') {
      const code = text.codePointAt(i) as number;
      if (code > 0xffff) i++;
      out.push(...Buffer.from(String.fromCodePoint(code)));
      continue;
    }
    const next = text[i + 1];
    if (next === undefined) return { ok: false, problem: `ends with a lone backslash (offset ${i}); write \\\\ for a backslash` };
    if (next === 'x') {
      const pair = text.slice(i + 2, i + 4);
      if (!HEX_PAIR.test(pair)) return { ok: false, problem: `has \\x without two hex digits at offset ${i}; write e.g. \\x0d` };
      out.push(parseInt(pair, 16));
      i += 3;
      continue;
    }
    const named = NAMED[next];
    if (named === undefined) return { ok: false, problem: `has an unknown escape \\${next} at offset ${i}; allowed: ${ESCAPES_HELP}` };
    out.push(named);
    i++;
  }
  return { ok: true, bytes: Buffer.from(out) };
}

/** Bytes written as hex digits (`2a 31 0d 0a` or `2a310d0a`), or what is wrong. */
export function parseHex(text: string): ParsedBytes {
  const digits = text.replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    return { ok: false, problem: 'must be hex digits, two per byte (spaces between bytes allowed), e.g. "c0 00" for an MQTT PINGREQ' };
  }
  return { ok: true, bytes: Buffer.from(digits, 'hex') };
}

const SHOWN: Record<number, string> = { 0x0d: '\\r', 0x0a: '\\n', 0x09: '\\t', 0x00: '\\0', 0x5c: '\\\\' };

/** The bytes in the notation parseEscapes reads: printable ASCII verbatim, the rest escaped. */
export function escapeBytes(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) {
    const shown = SHOWN[b];
    if (shown !== undefined) text += shown;
    else if (b >= 0x20 && b < 0x7f) text += String.fromCharCode(b);
    else text += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return text;
}
