/**
 * The parent Gateway of a TCPRoute and its listeners: the Gateway API Gateway of that name; when
 * there is none, the Istio Gateway of the same name stands in, exactly as the sandbox's gateway
 * emulator resolves parentRefs (docs/architecture.md, "Deviations": its servers are the
 * listeners, a server's `name` (else its port name) the sectionName). On a real cluster only the
 * Gateway API Gateway counts; an Istio Gateway of the same name is accepted here all the same.
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

/** undefined when the kind is not served, or there is no such Gateway. */
async function findGatewayApiGateway(kube: KubeClient, name: string, namespace: string): Promise<ParentGateway | undefined> {
  try {
    const gateway = await kube.resource(GatewayApiGatewayKind).find(name, namespace);
    if (!gateway) return undefined;
    const listeners = (gateway.spec?.listeners ?? []).map((l) => ({ name: l.name, port: l.port, protocol: String(l.protocol) }));
    return { object: `Gateway ${namespace}/${name}`, listeners };
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** The parent Gateway `namespace/name`, undefined when there is none. */
export async function findParentGateway(kube: KubeClient, name: string, namespace: string): Promise<ParentGateway | undefined> {
  const gateway = await findGatewayApiGateway(kube, name, namespace);
  if (gateway) return gateway;
  const istio = await kube.gateways.find(name, namespace);
  if (!istio) return undefined;
  const listeners = (istio.spec?.servers ?? []).map((s) => ({
    name: typeof s['name'] === 'string' ? s['name'] : s.port?.name,
    port: s.port?.number,
    protocol: String(s.port?.protocol),
  }));
  return { object: `Istio Gateway ${namespace}/${name}`, listeners };
}
