import type {
  CoreEvent,
  DestinationRule,
  IstioGateway,
  KubeObject,
  Lease,
  Namespace,
  Pod,
  Secret,
  Service,
  TCPRoute,
  TCPShift,
  VirtualService,
} from './objects.js';

/**
 * Where a kind lives in the API: enough to build every URL of it. The type parameter ties a
 * descriptor to the object type its client returns.
 */
export interface Kind<T extends KubeObject> {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Has a /status subresource. */
  status: boolean;
  /** Phantom field carrying T; never set. */
  readonly __type?: T;
}

export function apiVersionOf(kind: Kind<KubeObject>): string {
  return kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
}

function kind<T extends KubeObject>(group: string, version: string, plural: string, name: string, namespaced: boolean, status: boolean): Kind<T> {
  return { group, version, plural, kind: name, namespaced, status };
}

export const VirtualServiceKind = kind<VirtualService>('networking.istio.io', 'v1', 'virtualservices', 'VirtualService', true, true);
export const DestinationRuleKind = kind<DestinationRule>('networking.istio.io', 'v1', 'destinationrules', 'DestinationRule', true, true);
export const GatewayKind = kind<IstioGateway>('networking.istio.io', 'v1', 'gateways', 'Gateway', true, true);
export const TCPShiftKind = kind<TCPShift>('tcpshift.io', 'v1alpha1', 'tcpshifts', 'TCPShift', true, true);
export const PodKind = kind<Pod>('', 'v1', 'pods', 'Pod', true, true);
export const ServiceKind = kind<Service>('', 'v1', 'services', 'Service', true, true);
export const NamespaceKind = kind<Namespace>('', 'v1', 'namespaces', 'Namespace', false, true);
export const SecretKind = kind<Secret>('', 'v1', 'secrets', 'Secret', true, false);
export const EventKind = kind<CoreEvent>('', 'v1', 'events', 'Event', true, false);
export const LeaseKind = kind<Lease>('coordination.k8s.io', 'v1', 'leases', 'Lease', true, false);

/** A Gateway API Gateway (gateway.networking.k8s.io/v1), the parent of a TCPRoute. */
export interface GatewayApiGateway extends KubeObject {
  spec?: { gatewayClassName?: string; listeners?: Array<{ name: string; port: number; protocol: string; [key: string]: unknown }>; [key: string]: unknown };
}
export const GatewayApiGatewayKind = kind<GatewayApiGateway>('gateway.networking.k8s.io', 'v1', 'gateways', 'Gateway', true, true);

/**
 * Gateway API TCPRoute. The Gateway API main branch serves v1 (and v1alpha2, deprecated); released
 * versions up to v1.6 serve only v1alpha2: pick the version the cluster serves.
 */
export type TCPRouteVersion = 'v1' | 'v1alpha2';
export function tcpRouteKind(version: TCPRouteVersion = 'v1'): Kind<TCPRoute> {
  return kind<TCPRoute>('gateway.networking.k8s.io', version, 'tcproutes', 'TCPRoute', true, true);
}

/** A TCPShift descriptor typed with the spec/status types of src/spec. */
export function tcpShiftKind<Spec, Status>(): Kind<TCPShift<Spec, Status>> {
  return TCPShiftKind as unknown as Kind<TCPShift<Spec, Status>>;
}
