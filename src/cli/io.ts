import type { Clock } from '../util/clock.js';

/** What a CLI verb may touch of the outside world; injected so tests run verbs in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Fires when the user interrupts (SIGINT/SIGTERM in the real process). */
  interrupts: AbortSignal;
  /** What `-f -` reads (process.stdin when absent). */
  stdin?: NodeJS.ReadableStream;
}

/** Set by a verb's action: the process exit code. */
export interface CliContext extends CliIo {
  setExitCode(code: number): void;
}
