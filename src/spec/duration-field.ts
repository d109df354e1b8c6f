import { z } from 'zod';
import { DURATION_HELP, formatDuration, MAX_DURATION_CHARS, parseDuration } from '../util/duration.js';

/** Bounds of the spec's durations (README "Limits"): a day of bake, an hour for anything probe-sized. */
export const MAX_BAKE_MS = 24 * 3_600_000;
export const MAX_PROBE_DURATION_MS = 3_600_000;

/**
 * A duration written as a string in the resource (`500ms`, `45s`, `1m30s`), checked here and
 * turned into milliseconds by resolveShift: at least `minMs`, at most `maxMs`. The CRD carries the
 * text length (maxLength); the value bounds are zod's, so the controller reports them as
 * InvalidSpec naming the field.
 */
export function durationString(minMs: number, maxMs: number) {
  const allowed = `${DURATION_HELP}, ${minMs > 0 ? `${formatDuration(minMs)} to ` : 'up to '}${formatDuration(maxMs)}`;
  return z
    .string({ error: `must be ${allowed}` })
    .max(MAX_DURATION_CHARS, { error: `must be ${allowed}` })
    .refine((text) => parseDuration(text) !== undefined, { error: `must be ${allowed}` })
    .refine((text) => (parseDuration(text) ?? minMs) >= minMs, { error: `must be at least ${formatDuration(minMs)}` })
    .refine((text) => (parseDuration(text) ?? maxMs) <= maxMs, { error: `must be at most ${formatDuration(maxMs)}` })
    .meta({ 'x-kubernetes-validations': [celMaximum(maxMs)] });
}

/**
 * The maximum as a CEL rule, so a real API server refuses it at admission too (Kubernetes CEL's
 * duration() takes Go's time.ParseDuration syntax, of which ours is a subset). The emulator and
 * src/spec/crd-validator.ts do not evaluate it; zod does.
 */
function celMaximum(maxMs: number): { rule: string; message: string } {
  const max = formatDuration(maxMs);
  return { rule: `duration(self) <= duration('${max}')`, message: `must be a duration of at most ${max}` };
}

/** Milliseconds of a duration string that the schema already accepted. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`'${text}' is not ${DURATION_HELP}`);
  return ms;
}
