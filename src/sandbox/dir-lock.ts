import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { processExists } from '../util/process-alive.js';

/**
 * One sandbox per directory: `DIR/sandbox.lock` holds the pid of the process running it. A lock
 * whose pid is no longer running (a killed sandbox) is taken over.
 */
export const LOCK_FILE = 'sandbox.lock';

export class SandboxBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`a sandbox is already running in ${dir} (pid ${pid}): stop it first (Ctrl-C in its terminal, or kill ${pid}), or use another --dir`);
  }
}

export interface DirLock {
  readonly path: string;
  /** The pid of a dead sandbox whose stale lock was taken over. */
  readonly tookOverFrom: number | undefined;
  release(): Promise<void>;
}

async function tryCreate(file: string): Promise<boolean> {
  try {
    await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function holderOf(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** The pid of the sandbox running in `dir`, if one is (a stale lock counts as none). */
export async function runningSandboxPid(dir: string): Promise<number | undefined> {
  const holder = await holderOf(path.join(dir, LOCK_FILE));
  return holder !== undefined && processExists(holder) ? holder : undefined;
}

export async function lockDir(dir: string): Promise<DirLock> {
  const file = path.join(dir, LOCK_FILE);
  let tookOverFrom: number | undefined;
  for (let attempt = 0; !(await tryCreate(file)); attempt++) {
    const holder = await holderOf(file);
    if (holder !== undefined && processExists(holder)) throw new SandboxBusyError(dir, holder);
    if (attempt > 0) throw new SandboxBusyError(dir, holder ?? 0);
    tookOverFrom = holder ?? 0;
    await unlink(file).catch(() => undefined);
  }
  let released = false;
  return {
    path: file,
    tookOverFrom,
    async release() {
      if (released) return;
      released = true;
      if ((await holderOf(file)) === process.pid) await unlink(file).catch(() => undefined);
    },
  };
}
