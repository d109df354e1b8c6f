import type { DestinationRule, IstioGateway, KubeObject, Pod, Service, TCPRoute, VirtualService } from '../../kube/index.js';

/** What the gateway emulator reads from the API: the objects istiod would turn into Envoy config. */
export interface MeshObjects {
  gateways: IstioGateway[];
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  tcpRoutes: TCPRoute[];
  services: Service[];
  pods: Pod[];
  /** Gateway API Gateways and GatewayClasses (when the gateway watches them). */
  gatewayApiGateways?: KubeObject[];
  gatewayClasses?: KubeObject[];
}

export function emptyMeshObjects(): MeshObjects {
  return { gateways: [], virtualServices: [], destinationRules: [], tcpRoutes: [], services: [], pods: [] };
}

/** `namespace/name` of an object (namespace `default` when absent). */
export function refOf(object: { metadata: { name?: string; namespace?: string } }): string {
  return `${object.metadata.namespace ?? 'default'}/${object.metadata.name ?? ''}`;
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Every key/value of `wanted` is in `labels`. An empty selector selects everything. */
export function labelsMatch(wanted: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([k, v]) => labels?.[k] === v);
}
