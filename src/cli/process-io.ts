import { systemClock } from '../util/clock.js';
import type { CliIo } from './io.js';

/**
 * The real process as CliIo: stdout/stderr, the environment, the system clock, and an abort
 * signal fired by the first SIGINT or SIGTERM. A second signal exits at once (code 130/143) so a
 * stuck shutdown can always be interrupted.
 */
export function processIo(onSecondSignal: (code: number) => void): CliIo {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      onSecondSignal(signal === 'SIGINT' ? 130 : 143);
      return;
    }
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    clock: systemClock,
    interrupts: controller.signal,
  };
}
