import { randomBytes } from 'node:crypto';

/**
 * The MQTT 3.1.1 control packets the mqtt preset sends (OASIS MQTT Version 3.1.1, section 3):
 * CONNECT with clean session and a client id of our own, PINGREQ, DISCONNECT; and what it
 * expects: CONNACK accepted (20 02 00 00; section 3.2) and PINGRESP (d0 00).
 */
export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);
/** CONNACK, session present 0, return code 0 (accepted), as an expect pattern over bytes. */
export const CONNACK_ACCEPTED_PATTERN = '\\x20\\x02\\x00\\x00';
export const PINGRESP_PATTERN = '\\xd0\\x00';

/** CONNECT (section 3.1): protocol name MQTT, level 4, clean session, the keep-alive, the client id. */
export function connectPacket(clientId: string, keepAliveSeconds: number): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, keepAliveSeconds >> 8, keepAliveSeconds & 0xff]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  const rest = Buffer.concat([variable, payload]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(rest.length), rest]);
}

/** Variable-length "remaining length" (section 2.2.3): 7 bits per byte, high bit = more. */
function remainingLength(n: number): Buffer {
  const out: number[] = [];
  let left = n;
  do {
    let byte = left % 128;
    left = Math.floor(left / 128);
    if (left > 0) byte |= 0x80;
    out.push(byte);
  } while (left > 0);
  return Buffer.from(out);
}

/**
 * A client id unique across probers (a broker disconnects the older of two connections with one
 * id): the prefix, the connection's tag, 48 random bits. It may exceed the 23 bytes 3.1.1 servers
 * must accept; Mosquitto and the common brokers accept up to 65,535.
 */
export function clientIdFor(prefix: string, tag: string): string {
  return `${prefix}${tag}-${randomBytes(6).toString('hex')}`;
}

/**
 * What a CONNACK's return code means (section 3.2.2.3), for a message on a refused CONNECT.
 */
export function connackMeaning(code: number): string {
  const meanings = ['accepted', 'unacceptable protocol version', 'identifier rejected', 'server unavailable', 'bad user name or password', 'not authorized'];
  return meanings[code] ?? `reserved return code ${code}`;
}
