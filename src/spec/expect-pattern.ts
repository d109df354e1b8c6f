import { RE2JS } from 're2js';
import { MAX_PATTERN_CHARS, VERSION_GROUP } from './version-pattern.js';

/**
 * An `expect` of a probe script (`spec.probe.protocol.open[].expect`): an RE2 pattern (re2js, linear
 * time, like every user regex of the project) searched in the bytes received since the previous
 * expect, each byte one character (latin1), so `\x00`-`\xff` match bytes and a binary protocol can
 * be matched. Multiline: `^`/`$` match at line ends. A named group `version` in an opening expect
 * names the version that answered.
 */
export type CompiledExpect = { ok: true; pattern: RE2JS; namesVersion: boolean } | { ok: false; problem: string };

export function compileExpectPattern(source: string): CompiledExpect {
  if (source.length > MAX_PATTERN_CHARS) return { ok: false, problem: `must be at most ${MAX_PATTERN_CHARS} characters` };
  try {
    const pattern = RE2JS.compile(source, RE2JS.MULTILINE);
    return { ok: true, pattern, namesVersion: VERSION_GROUP in pattern.namedGroups() };
  } catch (err) {
    return { ok: false, problem: `must be a regular expression RE2 runs in linear time (no backreferences or lookaround): ${(err as Error).message}` };
  }
}
