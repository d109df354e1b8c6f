import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The optional signature of a delivery: HMAC-SHA256 over the exact body bytes, hex, in
 * `X-Tcpshift-Signature: sha256=<hex>` (the shape of GitHub's X-Hub-Signature-256), and the
 * sending time in `X-Tcpshift-Timestamp` (epoch seconds). The body also carries the delivery id
 * and the ISO timestamp, so both are covered by the signature: a receiver drops a delivery whose
 * body timestamp is too old, or whose id it has seen (README "Webhooks", verification snippet).
 */
export const SIGNATURE_HEADER = 'X-Tcpshift-Signature';
export const TIMESTAMP_HEADER = 'X-Tcpshift-Timestamp';

export function signBody(secret: Uint8Array | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Whether `header` is the signature of `body` with `secret` (constant-time comparison). */
export function verifySignature(secret: Uint8Array | string, body: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The headers that sign a body sent at `nowMs`. */
export function signatureHeaders(secret: Uint8Array | string, body: string, nowMs: number): Record<string, string> {
  return { [SIGNATURE_HEADER]: signBody(secret, body), [TIMESTAMP_HEADER]: String(Math.floor(nowMs / 1000)) };
}
