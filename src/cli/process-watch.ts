import type { Clock, TimerHandle } from '../util/clock.js';

export interface ProcessWatch {
  /** Resolves once the process no longer exists. */
  gone: Promise<void>;
  cancel(): void;
}

/** True while a process with this pid exists (signal 0 probes without sending anything). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
