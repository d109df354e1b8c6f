/**
 * API failures as typed errors, so callers branch on meaning rather than on status codes. Every
 * error keeps the HTTP status (0 for network failures) and the server's Status reason/message.
 */
export interface FieldCause {
  field?: string;
  reason?: string;
  message: string;
}

export class KubeError extends Error {
  override name = 'KubeError';
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came (network error, timeout). */
    readonly status: number,
    /** The Status reason (NotFound, Conflict, Invalid, Expired, ...), when the server gave one. */
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class NotFoundError extends KubeError {
  override name = 'NotFoundError';
}

/** 409 Conflict: stale resourceVersion (re-read and re-apply), or a failed precondition. */
export class ConflictError extends KubeError {
  override name = 'ConflictError';
}

/** 409 AlreadyExists on create. */
export class AlreadyExistsError extends KubeError {
  override name = 'AlreadyExistsError';
}

/** 422 Invalid: the object (or patch) was rejected; `causes` name the fields. */
export class InvalidError extends KubeError {
  override name = 'InvalidError';
  constructor(
    message: string,
    status: number,
    reason: string | undefined,
    readonly causes: FieldCause[],
  ) {
    super(message, status, reason);
  }
}

/** 410 Gone / Expired: the resourceVersion is older than the server keeps; relist. */
export class GoneError extends KubeError {
  override name = 'GoneError';
}

/** Worth retrying: 429, 5xx, network errors and timeouts. */
export class RetryableError extends KubeError {
  override name = 'RetryableError';
  constructor(
    message: string,
    status: number,
    reason?: string,
    /** The server's Retry-After, in milliseconds. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, status, reason, options);
  }
}

interface StatusBody {
  message?: unknown;
  reason?: unknown;
  details?: { causes?: unknown; retryAfterSeconds?: unknown };
}

function causesOf(body: StatusBody): FieldCause[] {
  const causes = body.details?.causes;
  if (!Array.isArray(causes)) return [];
  return causes
    .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
    .map((c) => ({
      message: typeof c.message === 'string' ? c.message : '',
      ...(typeof c.field === 'string' ? { field: c.field } : {}),
      ...(typeof c.reason === 'string' ? { reason: c.reason } : {}),
    }));
}

function retryAfter(body: StatusBody, headers: Record<string, string> | undefined): number | undefined {
  const header = headers?.['retry-after'];
  if (header !== undefined && /^\d+$/.test(header)) return Number(header) * 1000;
  const seconds = body.details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : undefined;
}

/** The typed error for an HTTP answer with a (meta/v1 Status) body. */
export function errorFromStatus(status: number, body: unknown, headers?: Record<string, string>): KubeError {
  const b: StatusBody = typeof body === 'object' && body !== null ? (body) : {};
  const reason = typeof b.reason === 'string' ? b.reason : undefined;
  const message = typeof b.message === 'string' && b.message ? b.message : typeof body === 'string' && body ? body : `HTTP ${status}`;
  if (status === 404) return new NotFoundError(message, status, reason);
  if (status === 409) return reason === 'AlreadyExists' ? new AlreadyExistsError(message, status, reason) : new ConflictError(message, status, reason);
  if (status === 422) return new InvalidError(message, status, reason, causesOf(b));
  if (status === 410) return new GoneError(message, status, reason);
  if (status === 429 || status >= 500) return new RetryableError(message, status, reason, retryAfter(b, headers));
  return new KubeError(message, status, reason);
}

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

/** Network-level failures (no HTTP answer) are retryable. */
export function errorFromNetwork(error: unknown): KubeError {
  if (error instanceof KubeError) return error;
  const e = error as { code?: unknown; errno?: unknown; type?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.errno === 'string' ? e.errno : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if ((code !== undefined && networkCodes.has(code)) || e?.type === 'system' || e?.type === 'request-timeout') {
    return new RetryableError(`network error: ${message}`, 0, code, undefined, { cause: error });
  }
  return new KubeError(message, 0, undefined, { cause: error });
}

export function isRetryable(error: unknown): boolean {
  return error instanceof RetryableError;
}
