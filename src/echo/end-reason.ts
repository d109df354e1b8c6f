/** Why an echo connection ended: the `reason` of its log line and of the metrics. */
export const EndReason = {
  /** The client closed its side (FIN). */
  ClientClosed: 'client-closed',
  /** No client data for the idle timeout: the server sent a FIN. */
  IdleTimeout: 'idle-timeout',
  /** A line grew past --max-line-bytes. */
  LineTooLong: 'line-too-long',
  /** Accepted past --max-connections and closed at once. */
  MaxConnections: 'max-connections',
  /** Half-closed (FIN) at the end of the drain grace after SIGTERM. */
  Drained: 'drained',
  /** The client reset the connection (RST). */
  Reset: 'reset',
  /** Another socket error. */
  Error: 'error',
  /** Closed at once by close() (second signal, or a test). */
  Closed: 'closed',
} as const;

export type EndReason = (typeof EndReason)[keyof typeof EndReason];

export const END_REASONS: readonly EndReason[] = Object.values(EndReason);
