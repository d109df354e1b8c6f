import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** How to run an echo server; every field but `version` has a default (ECHO_DEFAULTS). */
export interface EchoServerOptions {
  /** TCP (and, with udp, UDP) ports; 0 picks a free port. Default [9000]. */
  ports?: readonly number[];
  /** Interface to bind; default every interface (dual stack). */
  host?: string;
  version: string;
  /** Default: the host name. */
  pod?: string;
  /** Reply `<prefix> <line>` to complete lines; default none (verbatim echo). */
  prefix?: string | undefined;
  banner?: 'full' | 'none';
  /** Close a connection with no client data for this long; 0 (default): never. */
  idleTimeoutMs?: number;
  /** `/healthz`, `/readyz`, `/metrics`; 0 picks a free port; null: no health server. Default 8080. */
  healthPort?: number | null;
  /**
   * Bind a free port for every port asked (TCP and health) and report what was asked in the
   * `listening` record (`requestedPorts`, `requestedHealthPort`): how a supervisor such as the
   * sandbox's kubelet gives each pod its own container ports on one shared loopback address.
   */
  ephemeralPorts?: boolean;
  /** drain() without an argument keeps serving this long. Default 10 s. */
  drainGraceMs?: number;
  udp?: boolean;
  /** Connections past this many are closed at once; 0 (default): no limit. */
  maxConnections?: number;
  /** A longer line closes its connection. Default 64 KiB. */
  maxLineBytes?: number;
  /** After the server's FIN, how long to wait for the client's before destroying. Default 2 s. */
  finLingerMs?: number;
  logger?: Logger;
  clock?: Clock;
}

export const ECHO_DEFAULTS = {
  port: 9000,
  banner: 'full',
  idleTimeoutMs: 0,
  healthPort: 8080,
  drainGraceMs: 10_000,
  maxConnections: 0,
  maxLineBytes: 64 * 1024,
  finLingerMs: 2_000,
} as const;
