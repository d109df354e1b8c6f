/**
 * Time as the engine sees it. Every timer in src/ goes through an injected Clock, so tests drive
 * time with ManualClock and the CLI uses systemClock. Never read Date.now() or call setTimeout
 * directly in logic that a test must control.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Monotonic milliseconds, for measuring intervals. */
  monotonic(): number;
  /** Call fn after ms; the handle cancels it. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Resolves after ms, or rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function sleepWith(clock: Pick<Clock, 'setTimer'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal as AbortSignal));
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * systemClock's timers run after the I/O that is already waiting. Node runs expired timers
 * before it polls sockets, so after the event loop was blocked (a long synchronous task, or a
 * busy machine not scheduling the process) a deadline would fire before the reply that arrived
 * in time is even read: a probe counted `timeout` for an answer that came back in time (seen
 * with 200 shifts of full probes in one controller: stalls of 2-5 s on a loaded machine, false
 * breaches). So an expired timer hands its callback to the check phase (setImmediate), after
 * this turn's poll; an I/O callback there may still cancel it.
 */
function afterPendingIo(fn: () => void, ms: number): TimerHandle {
  let cancelled = false;
  let immediate: NodeJS.Immediate | undefined;
  const timeout = setTimeout(() => {
    immediate = setImmediate(() => {
      if (!cancelled) fn();
    });
  }, ms);
  return {
    cancel: () => {
      cancelled = true;
      clearTimeout(timeout);
      if (immediate) clearImmediate(immediate);
    },
  };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer: afterPendingIo,
  sleep(ms, signal) {
    return sleepWith(this, ms, signal);
  },
};
