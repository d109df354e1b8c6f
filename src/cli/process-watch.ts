import type { Clock, TimerHandle } from '../util/clock.js';
import { processExists } from '../util/process-alive.js';

export interface ProcessWatch {
  /** Resolves once the process no longer exists. */
  gone: Promise<void>;
  cancel(): void;
}


/** Poll for the end of another process; Node has no portable "parent died" notification. */
export function watchProcessExit(pid: number, clock: Clock, intervalMs = 500): ProcessWatch {
  let timer: TimerHandle | undefined;
  let cancelled = false;
  const gone = new Promise<void>((resolve) => {
    const check = (): void => {
      if (cancelled) return;
      if (!processExists(pid)) {
        resolve();
        return;
      }
      timer = clock.setTimer(check, intervalMs);
    };
    check();
  });
  return {
    gone,
    cancel: () => {
      cancelled = true;
      timer?.cancel();
    },
  };
}
