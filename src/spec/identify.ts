import { z } from 'zod';
import { isPlainObject, strictObject } from './strict-object.js';
import { compileVersionPattern, MAX_PATTERN_CHARS } from './version-pattern.js';

/**
 * How a new probe connection learns which version answered (DESIGN section 3):
 * - banner: the echo server's `Version: v2 (pod)` banner line;
 * - prefix: the echo reply starts with the stable or canary prefix word (Istio's tcp-echo: one/two);
 * - regex: an RE2 regular expression (src/spec/version-pattern.ts: linear time) over the received
 *   text with a named group `version`.
 */
const prefixWord = z
  .string({ error: 'must be a non-empty word without spaces' })
  .regex(/^\S+$/, { error: 'must be a non-empty word without spaces' });

export const identifySchema = z
  .discriminatedUnion('mode', [
    strictObject({ mode: z.literal('banner') }),
    strictObject({ mode: z.literal('prefix'), stable: prefixWord, canary: prefixWord }).superRefine((value, ctx) => {
      if (value.stable === value.canary) {
        ctx.addIssue({ code: 'custom', path: ['canary'], message: 'must differ from identify.stable' });
      }
    }),
    strictObject({
      mode: z.literal('regex'),
      pattern: z
        .string({ error: 'must be a regular expression with a named group `version`' })
        .max(MAX_PATTERN_CHARS, { error: `must be at most ${MAX_PATTERN_CHARS} characters`, abort: true })
        .superRefine((pattern, ctx) => {
          const compiled = compileVersionPattern(pattern);
          if (!compiled.ok) ctx.addIssue({ code: 'custom', message: compiled.problem });
        }),
    }),
  ], { error: (issue) => (isPlainObject(issue.input) ? undefined : 'must be an object {mode: banner|prefix|regex, ...}') })
  .describe('How a new connection identifies the version that answered: banner, prefix (stable/canary words) or regex (named group `version`).');

export type Identify = z.output<typeof identifySchema>;
