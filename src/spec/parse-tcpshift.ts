import { parseAllDocuments } from 'yaml';
import { issuesFromZod, type SpecIssue } from './issues.js';
import { resolveShift, type ResolvedShift } from './resolved-shift.js';
import { tcpshiftResourceSchema, type TCPShiftResource } from './tcpshift-schema.js';

export type ParseResult =
  | { ok: true; shift: ResolvedShift; resource: TCPShiftResource }
  | { ok: false; issues: SpecIssue[] };

/**
 * Validate a TCPShift document (an object, e.g. from the API server or JSON.parse) and resolve it.
 * Unknown fields are errors; every issue names its full path (`spec.schedule.steps[1]`).
 * `status` is accepted and ignored.
 */
export function parseTCPShiftObject(document: unknown): ParseResult {
  const result = tcpshiftResourceSchema.safeParse(document, { reportInput: true });
  if (!result.success) return { ok: false, issues: issuesFromZod(result.error.issues) };
  return { ok: true, shift: resolveShift(result.data), resource: result.data };
}

/** More alias expansions than a TCPShift could need: a YAML alias bomb. */
const MAX_YAML_ALIASES = 100;

/** Parse YAML (or JSON) text holding exactly one TCPShift document, then validate it. */
export function parseTCPShiftText(text: string): ParseResult {
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(documents)) return { ok: false, issues: [{ path: '', message: 'expected one YAML document, found none' }] };
  const nonEmpty = documents.filter((d) => d.contents !== null || d.errors.length > 0);
  if (nonEmpty.length !== 1) {
    return { ok: false, issues: [{ path: '', message: `expected exactly one YAML document (a TCPShift), found ${nonEmpty.length}` }] };
  }
  const doc = nonEmpty[0]!;
  if (doc.errors.length > 0) {
    return { ok: false, issues: doc.errors.map((e) => ({ path: '', message: `not valid YAML: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}` })) };
  }
  let document: unknown;
  try {
    document = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    // yaml throws a ReferenceError past maxAliasCount: an alias bomb (billion laughs) expands exponentially.
    return { ok: false, issues: [{ path: '', message: `not valid YAML: ${(err as Error).message} (at most ${MAX_YAML_ALIASES} alias expansions)` }] };
  }
  return parseTCPShiftObject(document);
}
