import type { IstioGateway } from '../../kube/index.js';
import { arrayOf, isRecord, labelsMatch, refOf } from './mesh-objects.js';

/**
 * The plain-TCP servers of the Istio Gateways that select this gateway workload (their
 * `selector` matches its labels), as istiod merges them for one gateway deployment.
 */
export interface GatewayServer {
  /** `namespace/name` of the Gateway object. */
  gateway: string;
  port: number;
  /** The server's name, else its port name: what a Gateway API `sectionName` refers to. */
  sectionName: string | undefined;
  hosts: string[];
  /** For a listener of a Gateway API Gateway: that Gateway (`namespace/name`) and what routes it admits. */
  parent?: { ref: string; kinds: string[]; routeNamespaces: 'Same' | 'All' | 'None' };
}

/** Labels of the emulated ingress gateway deployment (Istio's default istio-ingressgateway). */
export const INGRESS_GATEWAY_LABELS: Readonly<Record<string, string>> = { istio: 'ingressgateway', app: 'istio-ingressgateway' };

/** The server of one Gateway entry when it is plain TCP (no TLS: not emulated). */
function tcpServer(gateway: string, raw: unknown): GatewayServer | undefined {
  if (!isRecord(raw) || !isRecord(raw.port) || raw.tls !== undefined) return undefined;
  const { number, name, protocol } = raw.port;
  if (typeof number !== 'number' || String(protocol).toUpperCase() !== 'TCP') return undefined;
  const hosts = arrayOf(raw.hosts).filter((h): h is string => typeof h === 'string');
  const serverName = typeof raw.name === 'string' && raw.name !== '' ? raw.name : typeof name === 'string' ? name : undefined;
  return { gateway, port: number, sectionName: serverName, hosts };
}

/** Oldest first, then by name and namespace: istiod's order for merging configuration. */
export function creationOrder(a: { metadata: { creationTimestamp?: string; name?: string; namespace?: string } }, b: typeof a): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const byName = (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  return byName !== 0 ? byName : (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '');
}

export function gatewayServers(gateways: readonly IstioGateway[], workloadLabels: Readonly<Record<string, string>>): GatewayServer[] {
  return [...gateways]
    .filter((g) => labelsMatch(g.spec?.selector, workloadLabels))
    .sort(creationOrder)
    .flatMap((g) => arrayOf(g.spec?.servers).flatMap((s) => tcpServer(refOf(g), s) ?? []));
}
