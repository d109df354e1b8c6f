import { RE2JS } from 're2js';

/**
 * The user's `probe.identify` regex (and `--identify regex:RE`), run on bytes a peer sent.
 * It runs on RE2 (re2js, a pure-JS port of RE2/J: linear time in the input, no backtracking), never
 * on V8's backtracking RegExp: `(?<version>(\S|\S)*)!` against a 31-character word froze the
 * controller for 40-90 s with RegExp. RE2 has no backreferences and no lookaround; a pattern
 * using them is refused when the spec is parsed. RE2's classes are ASCII (`\s`, `\w`, `\d`),
 * unlike JavaScript's Unicode-aware `\s`. The matcher sees at most the first
 * MAX_PATTERN_INPUT_CHARS characters of the greeting (banner + echo).
 */
export const MAX_PATTERN_CHARS = 1024;
export const MAX_PATTERN_INPUT_CHARS = 4096;
export const VERSION_GROUP = 'version';

export type CompiledPattern = { ok: true; pattern: RE2JS } | { ok: false; problem: string };

/** Compile for a multiline match, or say why RE2 cannot run it. */
export function compileVersionPattern(source: string): CompiledPattern {
  if (source.length > MAX_PATTERN_CHARS) return { ok: false, problem: `must be at most ${MAX_PATTERN_CHARS} characters` };
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(source, RE2JS.MULTILINE);
  } catch (err) {
    return { ok: false, problem: `must be a valid regular expression that RE2 runs in linear time (no backreferences or lookaround): ${(err as Error).message}` };
  }
  if (!(VERSION_GROUP in pattern.namedGroups())) {
    return { ok: false, problem: 'must contain a named group `version`, e.g. "Version: (?<version>\\S+)"' };
  }
  return { ok: true, pattern };
}

/** The `version` group of the first match in the first MAX_PATTERN_INPUT_CHARS of text; undefined when none or empty. */
export function matchVersion(pattern: RE2JS, text: string): string | undefined {
  const matcher = pattern.matcher(text.slice(0, MAX_PATTERN_INPUT_CHARS));
  if (!matcher.find()) return undefined;
  return matcher.group(VERSION_GROUP) || undefined;
}
