/**
 * The parts of Gateway API's TCPRoute (gateway.networking.k8s.io v1alpha2 and v1) tcpshift
 * reads and writes; unknown fields are kept (index signatures).
 */
export interface ParentReference {
  name: string;
  namespace?: string;
  sectionName?: string;
  group?: string;
  kind?: string;
  port?: number;
  [key: string]: unknown;
}

export interface BackendRef {
  name: string;
  namespace?: string;
  group?: string;
  kind?: string;
  port?: number;
  /** 0..1,000,000; 1 when absent. */
  weight?: number;
  [key: string]: unknown;
}

export interface TcpRouteRule {
  name?: string;
  backendRefs: BackendRef[];
  [key: string]: unknown;
}

export interface TcpRoute {
  apiVersion: string;
  kind: 'TCPRoute';
  metadata: { name: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec: { parentRefs?: ParentReference[]; rules: TcpRouteRule[]; [key: string]: unknown };
  [key: string]: unknown;
}

/** Gateway API weight bounds and the default of an absent weight. */
export const MAX_BACKEND_WEIGHT = 1_000_000;
export const DEFAULT_BACKEND_WEIGHT = 1;
export const MAX_BACKEND_REFS = 16;
