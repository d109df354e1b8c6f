import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { formatIssue } from '../../src/spec/issues.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { ResolvedShift } from '../../src/spec/resolved-shift.js';
import { packagePath } from '../../src/util/package-root.js';

/** The example TCPShift files shipped in examples/, as text and as plain objects. */
export const EXAMPLE_FILES = ['shift.yaml', 'shift-gateway-api.yaml'] as const;
export type ExampleFile = (typeof EXAMPLE_FILES)[number];

export type Doc = Record<string, unknown>;

export function exampleText(file: ExampleFile): string {
  return readFileSync(packagePath('examples', file), 'utf8');
}

export function exampleObject(file: ExampleFile): Doc {
  return parse(exampleText(file)) as Doc;
}

type Container = Record<string, unknown> | unknown[];

function child(container: Container, key: string): unknown {
  return Array.isArray(container) ? container[Number(key)] : container[key];
}

/**
 * A copy of `doc` with each dotted path ('spec.schedule.steps.1') set to its value; `undefined`
 * deletes the field. Missing intermediate objects are created.
 */
export function withChanges(doc: object, changes: Record<string, unknown>): Doc {
  const out = structuredClone(doc) as Doc;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop()!;
    let node = out as Container;
    for (const key of keys) {
      if (typeof child(node, key) !== 'object' || child(node, key) === null) (node as Record<string, unknown>)[key] = {};
      node = child(node, key) as Container;
    }
    if (value === undefined) {
      if (Array.isArray(node)) node.splice(Number(last), 1);
      else delete node[last];
    } else if (Array.isArray(node)) node[Number(last)] = value;
    else node[last] = value;
  }
  return out;
}

/** The value at a dotted path. */
export function valueAt(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? child(node as Container, key) : undefined), doc);
}

/** Parse and resolve a TCPShift document, failing the test with its issues when it is invalid. */
export function shiftFrom(doc: Doc): ResolvedShift {
  const result = parseTCPShiftObject(doc);
  if (!result.ok) throw new Error(`invalid test shift:\n${result.issues.map(formatIssue).join('\n')}`);
  return result.shift;
}
