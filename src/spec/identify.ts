import { z } from 'zod';
import { isPlainObject, strictObject } from './strict-object.js';
import { compileVersionPattern, MAX_PATTERN_CHARS } from './version-pattern.js';

/**
 * How a new probe connection learns which version answered (DESIGN section 3):
 * - banner: the echo server's `Version: v2 (pod)` banner line;
 * - prefix: the echo reply starts with the stable or canary prefix word (Istio's tcp-echo: one/two);
 * - regex: an RE2 regular expression (src/spec/version-pattern.ts: linear time) over the received
 *   text with a named group `version`;
 * - certificate: the TLS server certificate (spec.probe.tls) names it, in subject.CN or a SAN.
 * With a protocol other than echo (src/spec/probe-protocol.ts) banner means the `version` group of
 * the opening script, prefix that this group captured STABLE or CANARY, regex runs over the bytes
 * the opening received.
 */
const prefixWord = z
  .string({ error: 'must be a non-empty word without spaces' })
  .regex(/^\S+$/, { error: 'must be a non-empty word without spaces' });

const versionPattern = z
  .string({ error: 'must be a regular expression with a named group `version`' })
  .max(MAX_PATTERN_CHARS, { error: `must be at most ${MAX_PATTERN_CHARS} characters`, abort: true })
  .superRefine((pattern, ctx) => {
    const compiled = compileVersionPattern(pattern);
    if (!compiled.ok) ctx.addIssue({ code: 'custom', message: compiled.problem });
  });

/** Where identify mode certificate reads the version: the subject's common name or a subjectAltName entry. */
export const CERTIFICATE_FIELDS = ['subject.CN', 'SAN'] as const;

export const identifySchema = z
  .discriminatedUnion('mode', [
    strictObject({ mode: z.literal('banner') }),
    strictObject({ mode: z.literal('prefix'), stable: prefixWord, canary: prefixWord }).superRefine((value, ctx) => {
      if (value.stable === value.canary) {
        ctx.addIssue({ code: 'custom', path: ['canary'], message: 'must differ from identify.stable' });
      }
    }),
    strictObject({ mode: z.literal('regex'), pattern: versionPattern }),
    strictObject({
      mode: z.literal('certificate'),
      field: z.enum(CERTIFICATE_FIELDS, { error: `must be one of: ${CERTIFICATE_FIELDS.join(', ')}` }).default('subject.CN'),
      pattern: versionPattern.optional().describe('Named group `version` over the field (each SAN entry in turn); default: the whole value.'),
    }),
  ], { error: (issue) => (isPlainObject(issue.input) ? undefined : 'must be an object {mode: banner|prefix|regex|certificate, ...}') })
  .describe('How a new connection identifies the version that answered: banner, prefix (stable/canary words), regex (named group `version`) or certificate (probe.tls: the server certificate\'s subject.CN or SAN).');

export type Identify = z.output<typeof identifySchema>;
