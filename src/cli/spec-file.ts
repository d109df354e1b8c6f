import { formatIssue } from '../spec/issues.js';
import { parseTCPShiftText, type ParseResult } from '../spec/parse-tcpshift.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';
import { UsageError } from './errors.js';
import { readInputText, type InputIo } from './input-file.js';

/** A TCPShift that did not validate: every issue with its path, exit 2. */
export function invalidShift(where: string, result: Extract<ParseResult, { ok: false }>): UsageError {
  return new UsageError(`${where} is not a valid TCPShift:\n  ${result.issues.map(formatIssue).join('\n  ')}`);
}

/**
 * Read and validate the TCPShift file of `-f` (render, shift; `-` is stdin) through the bounded
 * reader (src/cli/input-file.ts); a UsageError names what is wrong.
 */
export async function readShiftFile(file: string, io: InputIo): Promise<{ shift: ResolvedShift; resource: TCPShiftResource }> {
  const text = await readInputText('-f', file, io);
  const result = parseTCPShiftText(text);
  if (!result.ok) throw invalidShift(file === '-' ? 'stdin' : file, result);
  return result;
}
