import { connackMeaning } from './mqtt-packets.js';

const RESP_TYPES: Record<string, string> = { '+': 'a RESP simple string', '-': 'a RESP error', ':': 'a RESP integer', $: 'a RESP bulk string', '*': 'a RESP array', _: 'a RESP null', '%': 'a RESP map' };

/**
 * What a peer sent, by its shape, for messages that end up in status, Events and logs (the
 * discipline of src/probe/peer-text.ts: never the content; a Redis INFO answer holds addresses and
 * names): its size, its lines' sizes, and what kind of answer it looks like: a RESP type (and a
 * Redis error's code word, such as NOAUTH, which names a state and no data), an MQTT CONNACK (its
 * return code), an SSH identification string, TLS, binary or text.
 */
export function describeReceived(bytes: Buffer): string {
  if (bytes.length === 0) return 'nothing';
  const lines = bytes.toString('latin1').split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
  const sizes = lines.slice(0, 3).map((line) => Buffer.byteLength(line.replace(/\r$/, ''), 'latin1'));
  const layout = `${bytes.length} bytes in ${lines.length} line(s) of ${sizes.join(', ')}${lines.length > 3 ? ', ...' : ''} bytes`;
  return `${layout}: ${kindOf(bytes)}`;
}

function kindOf(bytes: Buffer): string {
  const first = bytes[0] as number;
  if (first === 0x20 && bytes.length >= 4 && bytes[1] === 0x02) return `an MQTT CONNACK, return code ${bytes[3]} (${connackMeaning(bytes[3] as number)})`;
  if (first === 0x16 || (first === 0x15 && bytes[1] === 0x03)) return 'a TLS record (the server speaks TLS: set probe.tls)';
  const text = bytes.toString('latin1');
  if (text.startsWith('SSH-')) return 'an SSH identification string';
  const resp = RESP_TYPES[text[0] as string];
  if (resp && /\r\n/.test(text)) {
    const code = first === 0x2d ? /^-([A-Z]{2,20})\b/.exec(text)?.[1] : undefined;
    return code ? `${resp} (${code})` : resp;
  }
  return bytes.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f)) ? 'text' : 'binary';
}
