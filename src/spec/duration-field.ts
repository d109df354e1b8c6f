import { z } from 'zod';
import { DURATION_HELP, formatDuration, parseDuration } from '../util/duration.js';

/**
 * A duration written as a string in the resource (`500ms`, `45s`, `1m30s`), checked here and
 * turned into milliseconds by resolveShift. `minMs` is the smallest allowed value.
 */
export function durationString(minMs: number) {
  const allowed = minMs > 0 ? `${DURATION_HELP}, at least ${formatDuration(minMs)}` : DURATION_HELP;
  return z
    .string({ error: `must be ${allowed}` })
    .refine((text) => parseDuration(text) !== undefined, { error: `must be ${allowed}` })
    .refine((text) => (parseDuration(text) ?? minMs) >= minMs, { error: `must be at least ${formatDuration(minMs)}` });
}

/** Milliseconds of a duration string that the schema already accepted. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`'${text}' is not ${DURATION_HELP}`);
  return ms;
}
