/**
 * The parts of Istio's networking.istio.io/v1 objects tcpshift reads and writes. Every object
 * keeps unknown fields (index signatures): tcpshift patches weights in place and must never drop
 * what others wrote.
 */
export const ISTIO_API_VERSION = 'networking.istio.io/v1';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface PortSelector {
  number?: number;
  [key: string]: unknown;
}

export interface Destination {
  host: string;
  subset?: string;
  port?: PortSelector;
  [key: string]: unknown;
}

export interface RouteDestination {
  destination: Destination;
  weight?: number;
  [key: string]: unknown;
}

export interface L4Match {
  port?: number;
  gateways?: string[];
  [key: string]: unknown;
}

export interface TcpRoute {
  match?: L4Match[];
  route: RouteDestination[];
  [key: string]: unknown;
}

export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: unknown[];
  tls?: unknown[];
  tcp?: TcpRoute[];
  [key: string]: unknown;
}

export interface VirtualService {
  apiVersion: string;
  kind: 'VirtualService';
  metadata: ObjectMeta;
  spec: VirtualServiceSpec;
  [key: string]: unknown;
}

export interface DestinationRule {
  apiVersion: string;
  kind: 'DestinationRule';
  metadata: ObjectMeta;
  spec: {
    host: string;
    subsets?: Array<{ name: string; labels?: Record<string, string>; [key: string]: unknown }>;
    trafficPolicy?: Record<string, unknown>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface IstioGateway {
  apiVersion: string;
  kind: 'Gateway';
  metadata: ObjectMeta;
  spec: {
    selector: Record<string, string>;
    servers: Array<{ port: { number: number; name: string; protocol: string }; hosts: string[]; [key: string]: unknown }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}
