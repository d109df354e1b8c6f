/**
 * Field errors in the words of k8s.io/apimachinery's field.Error, so that 422 Invalid answers read
 * like the real API server's: `spec.weight: Invalid value: -1: spec.weight in body should be
 * greater than or equal to 0`.
 */
export type FieldErrorType =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueDuplicate'
  | 'FieldValueTypeInvalid';

export interface FieldError {
  type: FieldErrorType;
  /** Dotted path with indexes: spec.tcp[0].route[1].weight */
  field: string;
  badValue?: unknown;
  detail?: string;
}

const typeWords: Record<FieldErrorType, string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTypeInvalid: 'Invalid value',
};

const withoutValue = new Set<FieldErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong']);

/** Go's rendering of a bad value: strings quoted, numbers and booleans bare, null as "null". */
export function formatBadValue(value: unknown): string {
  if (value === null || value === undefined) return '"null"';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(JSON.stringify(value));
}

/** The message without the field: `Invalid value: "x": must be ...`. */
export function fieldErrorBody(e: FieldError): string {
  let s = typeWords[e.type];
  if (!withoutValue.has(e.type)) s += `: ${formatBadValue(e.badValue)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/** Go's ErrorList.ToAggregate().Error(): one error bare, several in brackets. */
export function aggregate(errors: readonly FieldError[]): string {
  const parts = errors.map(fieldErrorString);
  return parts.length === 1 ? (parts[0] as string) : `[${parts.join(', ')}]`;
}

export const required = (field: string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field, ...(detail ? { detail } : {}) });
export const invalid = (field: string, badValue: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, badValue, detail });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
