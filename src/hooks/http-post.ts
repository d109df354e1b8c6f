import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../util/clock.js';
import { formatDuration } from '../util/duration.js';
import { signatureHeaders } from './signature.js';

/**
 * One HTTP POST of a JSON body with a per-attempt timeout and bounded retries: what webhooks
 * (./webhook-port.ts) and chat notifications send. node:http/https, no pooling (`agent: false`:
 * deliveries are rare and a socket left in a pool would outlive a CLI shift), redirects not
 * followed (a 3xx is an answer that is not 2xx). Never rejects: the outcome says what happened.
 *
 * Retried: network errors, a timeout, 5xx and 429 (after `backoff`: base, doubled each time,
 * capped; Retry-After is not read). Not retried: any other answer, and nothing after the signal
 * aborts, which ends the attempt and the backoff at once.
 */
export interface PostRequest {
  url: string;
  /** The exact bytes sent (and signed). */
  body: string;
  headers?: Record<string, string>;
  /** HMAC-SHA256 key: adds X-Tcpshift-Signature and X-Tcpshift-Timestamp (./signature.ts). */
  secret?: Uint8Array | string;
  timeoutMs: number;
  /** Further attempts after the first. */
  retries: number;
}

export interface PostContext {
  clock: Clock;
  signal?: AbortSignal;
  backoff?: Backoff;
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 10_000 };

export interface PostOutcome {
  /** A 2xx answer. */
  ok: boolean;
  /** The last answer's status, when there was one. */
  status?: number;
  attempts: number;
  durationMs: number;
  /** Why the last attempt failed (`HTTP 500`, `no answer within 2s`, `connect ECONNREFUSED ...`, `aborted`). */
  error?: string;
}

type Attempt = { status: number } | { error: string; retryable: boolean };

export async function postJson(request: PostRequest, context: PostContext): Promise<PostOutcome> {
  const { clock, signal } = context;
  const started = clock.monotonic();
  const target = new URL(request.url);
  let attempts = 0;
  let last: Attempt;
  for (;;) {
    attempts += 1;
    last = await attemptOnce(target, request, context);
    if (attempts > request.retries || !retryable(last)) break;
    const delay = Math.min(context.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs, (context.backoff?.baseMs ?? DEFAULT_BACKOFF.baseMs) * 2 ** (attempts - 1));
    const slept = await clock.sleep(delay, signal).then(() => true, () => false);
    if (!slept) {
      last = ABORTED;
      break;
    }
  }
  return outcomeOf(last, attempts, clock.monotonic() - started);
}

const ABORTED: Attempt = { error: 'aborted', retryable: false };

function retryable(attempt: Attempt): boolean {
  if ('error' in attempt) return attempt.retryable;
  return attempt.status >= 500 || attempt.status === 429;
}

function outcomeOf(last: Attempt, attempts: number, durationMs: number): PostOutcome {
  const duration = Math.max(0, Math.round(durationMs));
  if ('error' in last) return { ok: false, attempts, durationMs: duration, error: last.error };
  const ok = last.status >= 200 && last.status < 300;
  return { ok, status: last.status, attempts, durationMs: duration, ...(!ok && { error: `HTTP ${last.status}` }) };
}

function attemptOnce(target: URL, request: PostRequest, context: PostContext): Promise<Attempt> {
  const { clock, signal } = context;
  if (signal?.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve) => {
    const send = target.protocol === 'https:' ? https.request : http.request;
    const req = send(target, { method: 'POST', agent: false, headers: headersOf(request, clock.now()) });
    const finish = (attempt: Attempt): void => {
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(attempt);
    };
    const onAbort = (): void => finish(ABORTED);
    const timer = clock.setTimer(() => finish({ error: `no answer within ${formatDuration(request.timeoutMs)}`, retryable: true }), request.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      res.resume();
      finish({ status: res.statusCode ?? 0 });
    });
    req.on('error', (error) => finish({ error: error.message, retryable: true }));
    req.end(request.body);
  });
}

function headersOf(request: PostRequest, nowMs: number): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(request.body)),
    'User-Agent': 'tcpshift',
    ...request.headers,
    ...(request.secret !== undefined && signatureHeaders(request.secret, request.body, nowMs)),
  };
}
