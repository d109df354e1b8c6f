// Public API of the pre-flight (src/shift/preflight): one implementation for CLI `shift`,
// `resume` and the controller. It reads and proves the routing chain before the first weight
// write and throws a PreflightError naming the object, the field and what to fix.
import type { TcpRoute } from '../../gatewayapi/types.js';
import type { VirtualService } from '../../istio/types.js';
import type { DestinationRule, KubeClient, KubeObject } from '../../kube/index.js';
import type { ResolvedShift } from '../../spec/resolved-shift.js';
import { checkGatewayApiChain } from './gateway-api-chain.js';
import { checkIstioChain } from './istio-chain.js';
import { checkLocalityChain } from './locality-chain.js';
import type { PassedChecks } from './preflight-error.js';

export { PreflightError, type PassedChecks, type PreflightReason } from './preflight-error.js';
export { checkProbeIdentity, PREFLIGHT_PROBES, type ProbeIdentityOptions } from './probe-identity.js';
export { checkMetricQueries } from './metric-queries.js';
export { findParentGateway, type ParentGateway } from './parent-gateway.js';

/** Prove the routing chain of `shift` behind `route` (the VirtualService, DestinationRule (strategy locality) or TCPRoute as read). */
export function checkRoutingChain(kube: KubeClient, shift: ResolvedShift, route: KubeObject): Promise<PassedChecks> {
  const spec = shift.spec;
  if (spec.provider === 'istio' && spec.strategy === 'locality') return checkLocalityChain(kube, spec, route as DestinationRule);
  return spec.provider === 'istio'
    ? checkIstioChain(kube, spec, route as unknown as VirtualService)
    : checkGatewayApiChain(kube, spec, route as unknown as TcpRoute);
}
