import { renderedMetadata } from '../spec/managed-metadata.js';
import type { ResolvedGatewayApiSpec, ResolvedShift } from '../spec/resolved-shift.js';
import { weightsForCanary } from '../spec/weighted-route.js';
import type { BackendRef, ParentReference, TcpRoute } from './types.js';

export type GatewayApiShift = ResolvedShift & { spec: ResolvedGatewayApiSpec };

/** The parentRef of the shift's Gateway (namespace only when it differs from the route's). */
export function parentRef(shift: GatewayApiShift): ParentReference {
  const { gateway } = shift.spec.target;
  return {
    name: gateway.name,
    ...(gateway.namespace !== undefined && gateway.namespace !== shift.namespace && { namespace: gateway.namespace }),
    ...(gateway.sectionName !== undefined && { sectionName: gateway.sectionName }),
  };
}

/** A backendRef to the Service of one version. */
export function backendRef(spec: ResolvedGatewayApiSpec, service: string, weight: number): BackendRef {
  return { name: service, port: spec.target.port, weight };
}

/** TCPRoute with one rule whose backendRefs split stable 100-W / canary W. */
export function renderTcpRoute(shift: GatewayApiShift, canaryWeight: number): TcpRoute {
  const { spec } = shift;
  const weights = weightsForCanary(canaryWeight);
  return {
    apiVersion: spec.target.apiVersion,
    kind: 'TCPRoute',
    metadata: renderedMetadata(shift, spec.target.tcpRoute),
    spec: {
      parentRefs: [parentRef(shift)],
      rules: [{ backendRefs: [backendRef(spec, spec.stable.service, weights.stable), backendRef(spec, spec.canary.service, weights.canary)] }],
    },
  };
}
