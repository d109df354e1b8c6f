/**
 * The parent Gateway of a TCPRoute and its listeners. A Gateway API Gateway when the cluster
 * serves that kind; otherwise the Istio Gateway of the same name stands in, as the sandbox's
 * gateway emulator resolves parentRefs (docs/architecture.md, "Deviations"): its servers are the
 * listeners, a server's `name` (else its port name) the sectionName.
 */
import { GatewayApiGatewayKind, NotFoundError, type KubeClient } from '../../kube/index.js';

export interface Listener {
  name: string | undefined;
  port: number | undefined;
  protocol: string;
}

export interface ParentGateway {
  /** `Gateway echo/echo-gateway` or `Istio Gateway echo/echo-gateway`. */
  object: string;
  listeners: Listener[];
}

async function served(kube: KubeClient, namespace: string): Promise<boolean> {
  try {
    await kube.resource(GatewayApiGatewayKind).list({ namespace, limit: 1 });
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** The parent Gateway `namespace/name`, undefined when there is none. */
export async function findParentGateway(kube: KubeClient, name: string, namespace: string): Promise<ParentGateway | undefined> {
  const gateway = await kube.resource(GatewayApiGatewayKind).find(name, namespace);
  if (gateway) {
    const listeners = (gateway.spec?.listeners ?? []).map((l) => ({ name: l.name, port: l.port, protocol: String(l.protocol) }));
    return { object: `Gateway ${namespace}/${name}`, listeners };
  }
  if (await served(kube, namespace)) return undefined;
  const istio = await kube.gateways.find(name, namespace);
  if (!istio) return undefined;
  const listeners = (istio.spec?.servers ?? []).map((s) => ({
    name: typeof s['name'] === 'string' ? s['name'] : s.port?.name,
    port: s.port?.number,
    protocol: String(s.port?.protocol),
  }));
  return { object: `Istio Gateway ${namespace}/${name}`, listeners };
}
