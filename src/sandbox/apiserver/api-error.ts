import { aggregate, fieldErrorBody, type FieldError } from './field-errors.js';

/**
 * An API error answered as a meta/v1 Status, with the real server's codes, reasons and message
 * texts (k8s.io/apimachinery/pkg/api/errors), because clients and people match on them.
 */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export interface GroupResource {
  group: string;
  resource: string;
}

/** `virtualservices.networking.istio.io`, or `pods` for the core group. */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export const CONFLICT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

export const errors = {
  notFound: (gr: GroupResource, name: string): ApiError =>
    new ApiError(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, { name, group: gr.group, kind: gr.resource }),
  alreadyExists: (gr: GroupResource, name: string): ApiError =>
    new ApiError(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, { name, group: gr.group, kind: gr.resource }),
  conflict: (gr: GroupResource, name: string, detail: string = CONFLICT_MODIFIED): ApiError =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${detail}`, {
      name,
      group: gr.group,
      kind: gr.resource,
    }),
  invalid: (kind: string, group: string, name: string, fieldErrors: readonly FieldError[]): ApiError => {
    const qualifiedKind = group ? `${kind}.${group}` : kind;
    return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${aggregate(fieldErrors)}`, {
      name,
      group,
      kind,
      causes: fieldErrors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
    });
  },
  /** What the real server answers when a JSON Patch cannot be applied (a failed `test` included). */
  patchNotApplicable: (): ApiError => new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {}),
  badRequest: (message: string): ApiError => new ApiError(400, 'BadRequest', message),
  expired: (message: string): ApiError => new ApiError(410, 'Expired', message),
  methodNotAllowed: (verb: string, gr: GroupResource): ApiError =>
    new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`, {}),
  forbidden: (message: string, details?: StatusDetails): ApiError => new ApiError(403, 'Forbidden', message, details),
  unauthorized: (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  notFoundPath: (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}),
  tooManyRequests: (retryAfterSeconds: number): ApiError =>
    new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }),
  internal: (message: string): ApiError =>
    new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }),
  unsupportedMediaType: (contentType: string): ApiError =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${JSON.stringify(contentType)})`),
  notAcceptable: (): ApiError =>
    new ApiError(406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/yaml'),
  tooLarge: (): ApiError => new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),
};
