import { z } from 'zod';

/** Marker at the start of the message of an unknown-field issue; issues.ts splits it per field. */
export const UNKNOWN_FIELD = 'unknown field';

/**
 * A zod object that rejects unknown fields (so a typo such as `spec.schedul` is an error, never
 * silently ignored), with a message listing the fields allowed there.
 */
export function strictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape, what = 'an object') {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return `${UNKNOWN_FIELD} (allowed here: ${allowed})`;
      if (issue.code === 'invalid_type') return `must be ${what} with fields ${allowed}`;
      return undefined;
    },
  });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
