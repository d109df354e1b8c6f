// The mesh gateway emulator: Istio's ingress gateway (istiod + Envoy) for TCP routes, on loopback.
export type { ConnectionObserver } from './connection-observer.js';
export { DEFAULT_TCP_REPORTING_MS, IstioTcpMetrics, RESPONSE_FLAGS, type IstioTcpMetricsOptions } from './tcp-metrics.js';
export { INGRESS_GATEWAY_WORKLOAD, ISTIO_TCP_LABELS, type IstioTcpLabels } from './istio-tcp-labels.js';
export { startStatsServer, STATS_PATH, type StatsServer } from './stats-server.js';
export { DEFAULT_DRAIN_MS, startMeshGateway, type MeshGateway, type MeshGatewayOptions } from './gateway.js';
export type { ListenerCounters, ListenerInfo } from './gateway-listener.js';
export { describeRoute } from './gateway-listener.js';
export { planListeners, type Cluster, type ListenerPlan, type TcpProxyConfig, type WeightedCluster } from './listener-plan.js';
export { clusterEndpoints, type Endpoint } from './endpoints.js';
export { INGRESS_GATEWAY_LABELS, type GatewayServer } from './gateway-servers.js';
export type { MeshObjects } from './mesh-objects.js';
export type { UpstreamTarget } from './proxy-connection.js';
export { DEFAULT_GATEWAY_LOCALITY } from './gateway.js';
export { DEFAULT_EDS_MERGE_WINDOW_MS } from './eds-merge-window.js';
export type { ClusterLoadAssignment, LocalityLbEndpoints } from './load-assignment.js';
export type { ClusterResource } from './xds-snapshot.js';
