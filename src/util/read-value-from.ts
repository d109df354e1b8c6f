import { readFileSync } from 'node:fs';

/** A value that cannot be read: which source (`env` or `file`) and why, never the value. */
export class ValueFromError extends Error {
  override readonly name = 'ValueFromError';
  constructor(readonly source: 'env' | 'file', problem: string) {
    super(problem);
  }
}

/** The value of an environment variable of this process, or of a file (trimmed: a mounted Secret usually ends with a newline). */
export function readValueFrom(from: { env?: string | undefined; file?: string | undefined }, env: NodeJS.ProcessEnv): string {
  if (from.env !== undefined) {
    const value = env[from.env];
    if (value === undefined || value === '') throw new ValueFromError('env', `environment variable ${from.env} is not set in this process`);
    return value;
  }
  try {
    return readFileSync(from.file ?? '', 'utf8').trim();
  } catch (error) {
    throw new ValueFromError('file', `cannot read ${from.file ?? ''}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
