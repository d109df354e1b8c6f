import type { ResolvedIstioTarget } from '../spec/resolved-shift.js';

/** The reserved gateway name for sidecars inside the mesh. */
export const MESH_GATEWAY = 'mesh';

/** 'name' -> 'namespace/name' (relative to the VirtualService's namespace); 'mesh' stays. */
export function qualifyGateway(ref: string, namespace: string): string {
  if (ref === MESH_GATEWAY || ref.includes('/')) return ref;
  return `${namespace}/${ref}`;
}

/** The Istio Gateway name tcpshift renders by default for a VirtualService. */
export function defaultGatewayName(virtualService: string): string {
  return `${virtualService}-gateway`;
}

/** The gateways the rendered VirtualService names: spec.target.gateways, else <virtualService>-gateway. */
export function renderedGateways(target: ResolvedIstioTarget): string[] {
  return target.gateways ?? [defaultGatewayName(target.virtualService)];
}

/** {namespace, name} of every non-mesh gateway of the rendered VirtualService. */
export function gatewayObjects(target: ResolvedIstioTarget, namespace: string): Array<{ name: string; namespace: string }> {
  return renderedGateways(target)
    .filter((ref) => ref !== MESH_GATEWAY)
    .map((ref) => {
      const [ns, name] = qualifyGateway(ref, namespace).split('/') as [string, string];
      return { namespace: ns, name };
    });
}
