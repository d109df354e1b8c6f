import os from 'node:os';
import type { ProcessProbe } from '../shift/index.js';

/** This host's view of holder processes: a pid that no longer exists means a dead holder. */
export const localProcesses: ProcessProbe = {
  hostname: os.hostname(),
  isAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};
