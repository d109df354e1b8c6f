/**
 * The kubelet's crash-loop back-off (pkg/kubelet/kubelet.go: `backOffPeriod` 10 s, `MaxContainerBackOff`
 * 300 s; the delay doubles at each restart and is forgotten once a container ran 10 minutes,
 * `flowcontrol.Backoff`'s reset after twice the max). Pure: the caller keeps the state.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the delay. */
  resetAfterMs: number;
}

export const KUBELET_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/**
 * The delay before restarting a container that exited, given the previous delay (undefined: it
 * never restarted) and how long it ran. The first restart is immediate (the kubelet only backs
 * off a container that already restarted: `doBackOff` finds no entry), then 10 s, 20 s, 40 s, ...
 */
export function nextBackoffMs(policy: BackoffPolicy, previousMs: number | undefined, ranMs: number): number {
  if (previousMs === undefined || ranMs >= policy.resetAfterMs) return 0;
  if (previousMs === 0) return policy.initialMs;
  return Math.min(policy.maxMs, previousMs * 2);
}
