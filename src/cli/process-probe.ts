import os from 'node:os';
import type { ProcessProbe } from '../shift/index.js';
import { processExists } from '../util/process-alive.js';

/** This host's view of holder processes: a pid that no longer exists means a dead holder. */
export const localProcesses: ProcessProbe = {
  hostname: os.hostname(),
  isAlive: processExists,
};
