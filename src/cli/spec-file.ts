import { readFileSync } from 'node:fs';
import { formatIssue } from '../spec/issues.js';
import { parseTCPShiftText, type ParseResult } from '../spec/parse-tcpshift.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';
import { UsageError } from './errors.js';

/** A TCPShift that did not validate: every issue with its path, exit 2. */
export function invalidShift(where: string, result: Extract<ParseResult, { ok: false }>): UsageError {
  return new UsageError(`${where} is not a valid TCPShift:\n  ${result.issues.map(formatIssue).join('\n  ')}`);
}

/** Read and validate the TCPShift file of `-f` (render, shift); a UsageError names what is wrong. */
export function readShiftFile(file: string): { shift: ResolvedShift; resource: TCPShiftResource } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`-f ${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const result = parseTCPShiftText(text);
  if (!result.ok) throw invalidShift(file, result);
  return result;
}
