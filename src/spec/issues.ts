import type { z } from 'zod';
import { UNKNOWN_FIELD } from './strict-object.js';

/** One problem in a document: the full field path (`spec.schedule.steps[1]`) and what is allowed. */
export interface SpecIssue {
  path: string;
  message: string;
}

export type PathSegment = string | number;

/** ['spec', 'schedule', 'steps', 1] -> 'spec.schedule.steps[1]'. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** 'spec.x: message', or the message alone for the document itself. */
export function formatIssue(issue: SpecIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

function segmentsOf(issue: z.core.$ZodIssue): PathSegment[] {
  return issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
}

function messageOf(issue: z.core.$ZodIssue): string {
  const options: unknown = (issue as { options?: unknown }).options;
  if (issue.code === 'invalid_union' && 'discriminator' in issue && Array.isArray(options)) {
    const allowed = options.filter((o) => o !== null && o !== undefined).map(String);
    return `must be one of: ${allowed.join(', ')}`;
  }
  if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined) {
    return `is required: ${issue.message}`;
  }
  return issue.message;
}

/** zod issues -> SpecIssues with full paths under `prefix`; an unknown-fields issue gives one per field. */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[] = []): SpecIssue[] {
  return issues.flatMap((issue) => {
    const base = [...prefix, ...segmentsOf(issue)];
    if (issue.code === 'unrecognized_keys') {
      const message = issue.message.startsWith(UNKNOWN_FIELD) ? issue.message : `${UNKNOWN_FIELD}`;
      return issue.keys.map((key) => ({ path: formatPath([...base, key]), message }));
    }
    return [{ path: formatPath(base), message: messageOf(issue) }];
  });
}

/** A value as it appears in a message: JSON for data (so objects do not print as [object Object]). */
export function showValue(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
