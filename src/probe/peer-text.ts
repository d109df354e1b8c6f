/**
 * Bytes a probed server sent are untrusted: a shift's probe address may point at a service that
 * answers with secrets (`{"admin_token": "..."}`), and whatever the prober keeps ends up in
 * status, Events, logs and reports that other people read. So nothing a peer sent is copied
 * verbatim: a version name is kept only when it looks like one, and a failure describes the
 * shape of what came (its length), never its content. `peerExcerpt` is the one exception, for
 * a process's own diagnostics (the CLI's terminal, a debug log line): short, escaped, marked.
 */

/** Longest version name kept (a Kubernetes label value's limit). */
export const MAX_VERSION_LENGTH = 63;
/** Bytes of a peer's line an excerpt shows at most. */
export const PEER_EXCERPT_BYTES = 24;

/**
 * A DNS-1123-like label, also allowing `.` and `_` inside (`v1`, `v2.3.1`, `canary_b`): starts
 * and ends with a letter or digit, at most MAX_VERSION_LENGTH characters.
 */
const VERSION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** True when a server-supplied name may be kept as a version (a status key, a report label). */
export function isVersionName(name: string): boolean {
  return name.length <= MAX_VERSION_LENGTH && VERSION_NAME.test(name);
}

/** The name when it looks like a version, else undefined (counted as unidentified). */
export function acceptedVersion(name: string | undefined): string | undefined {
  return name !== undefined && isVersionName(name) ? name : undefined;
}

/** "a line of 41 bytes": what a failure message may say about a peer's line. */
export function describePeerLine(line: string): string {
  return `a line of ${Buffer.byteLength(line)} bytes`;
}

/**
 * `peer bytes (first 24 of 41, escaped): "{\"admin_token\": \"s"`: at most PEER_EXCERPT_BYTES
 * bytes, JSON-escaped (no control character or newline survives), marked as the peer's.
 */
export function peerExcerpt(line: string): string {
  const bytes = Buffer.from(line);
  const shown = bytes.subarray(0, PEER_EXCERPT_BYTES).toString('utf8').replace(/\uFFFD+$/, '');
  const of = bytes.length > PEER_EXCERPT_BYTES ? `first ${PEER_EXCERPT_BYTES} of ${bytes.length}` : `${bytes.length}`;
  return `peer bytes (${of}, escaped): ${JSON.stringify(shown)}`;
}
