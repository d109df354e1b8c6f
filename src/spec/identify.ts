import { z } from 'zod';
import { isPlainObject, strictObject } from './strict-object.js';

/**
 * How a new probe connection learns which version answered (DESIGN section 3):
 * - banner: the echo server's `Version: v2 (pod)` banner line;
 * - prefix: the echo reply starts with the stable or canary prefix word (Istio's tcp-echo: one/two);
 * - regex: a JavaScript regular expression over the received text with a named group `version`.
 */
const prefixWord = z
  .string({ error: 'must be a non-empty word without spaces' })
  .regex(/^\S+$/, { error: 'must be a non-empty word without spaces' });

/** The names of the named groups of a regular expression (throws when it does not compile). */
function namedGroups(pattern: string): string[] {
  // `pattern|` also matches the empty string, so exec returns every named group as a key.
  const match = new RegExp(`${pattern}|`).exec('');
  return Object.keys(match?.groups ?? {});
}

function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (err) {
    return `must be a valid regular expression (${(err as Error).message})`;
  }
  if (!namedGroups(pattern).includes('version')) {
    return 'must contain a named group `version`, e.g. "Version: (?<version>\\S+)"';
  }
  return undefined;
}

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
      pattern: z.string({ error: 'must be a regular expression with a named group `version`' }).superRefine((pattern, ctx) => {
        const problem = regexProblem(pattern);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    }),
  ], { error: (issue) => (isPlainObject(issue.input) ? undefined : 'must be an object {mode: banner|prefix|regex, ...}') })
  .describe('How a new connection identifies the version that answered: banner, prefix (stable/canary words) or regex (named group `version`).');

export type Identify = z.output<typeof identifySchema>;
