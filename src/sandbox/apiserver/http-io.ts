import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors } from './api-error.js';
import { mediaType } from './media-types.js';

/** Reading request bodies and writing JSON answers and Status errors. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(errors.tooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
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
