import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors } from './api-error.js';
import { mediaType } from './media-types.js';

/** Reading request bodies and writing JSON answers and Status errors. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** How much more of an oversized body is read and dropped so the 413 reaches the client on a connection it can keep. */
const MAX_DISCARDED_BYTES = MAX_BODY_BYTES;

/**
 * The body, at most MAX_BODY_BYTES. Past that the answer is the real API server's 413 Status
 * (k8s.io/apiserver pkg/endpoints/handlers/rest.go, limitedReadBody: "Request entity too large:
 * limit is 3145728"), sent at once; the rest of the body is read and dropped, as Go's net/http
 * server does after a handler returns, so the client that is still writing gets the answer
 * rather than a reset. Go drops at most 256 KiB and then closes; this drops up to another
 * MAX_BODY_BYTES before it closes the connection, so that clients writing a whole body before
 * reading (client-go, node's https) reliably see the 413.
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      chunks = [];
      reject(errors.tooLarge());
      if (size > MAX_BODY_BYTES + MAX_DISCARDED_BYTES) req.destroy();
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const jsonTypes = new Set([
  'application/json',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
]);
const yamlTypes = new Set(['application/yaml', 'application/apply-patch+yaml']);

/** Parse a body by Content-Type: JSON types, YAML types (JSON is YAML too); 415 for anything else. */
export function decodeBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    if (jsonTypes.has(type)) return JSON.parse(text) as unknown;
    if (yamlTypes.has(type)) return parseYaml(text) as unknown;
  } catch (e) {
    throw errors.badRequest(`error decoding request body: ${(e as Error).message}`);
  }
  throw errors.unsupportedMediaType(type);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}, contentType = 'application/json'): void {
  const payload = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, error: unknown): void {
  const apiError = error instanceof ApiError ? error : errors.internal(error instanceof Error ? error.message : String(error));
  const headers: Record<string, string> = {};
  const retry = apiError.details?.retryAfterSeconds;
  if (retry !== undefined && (apiError.code === 429 || apiError.code >= 500)) headers['Retry-After'] = String(retry);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, apiError.code, apiError.toStatus(), headers);
}

/** `Warning: 299 - "text"` headers, as the real server sends for unknown fields or deprecations. */
export function warningHeaders(warnings: string[]): Record<string, string[]> {
  return warnings.length ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {};
}
