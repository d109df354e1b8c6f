import type { Cluster } from './listener-plan.js';
import type { ProxyConnection } from './proxy-connection.js';

/**
 * What the gateway tells an observer (the Istio stats filter emulation, tcp-metrics.ts) about each
 * downstream connection its tcp_proxy handled. A connection closed before any cluster was chosen
 * (no route on the port) is not reported: Envoy has no tcp_proxy and no stats filter for it.
 */
export interface ConnectionObserver {
  /** The chosen cluster had no endpoint: the connection is closed at once (tcp_proxy: NoHealthyUpstream). */
  noHealthyUpstream(cluster: Cluster): void;
  /** The connection is proxied to an endpoint of the cluster. */
  proxied(connection: ProxyConnection, cluster: Cluster): void;
}
