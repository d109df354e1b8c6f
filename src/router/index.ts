// Public API of src/router: the TrafficRouter interface and one implementation per provider.
import type { KubeClient } from '../kube/index.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import { GatewayApiRouter } from './gateway-api-router.js';
import { IstioRouter } from './istio-router.js';
import { LocalityRouter } from './locality-router.js';
import type { TrafficRouter } from './traffic-router.js';

export type { MetadataChanges, RouteChange, RouteKind, RouteSnapshot, TrafficRouter, UpdateOptions, UpdateResult } from './traffic-router.js';
export { metadataPatch } from './metadata-patch.js';
export { parseScopedKey, routeKeysWithSpec, RouteAnnotations, routeView, scopedKey, storedChanges, type RouteScope } from './route-annotations.js';
export { PatchingRouter, type RouteProvider } from './patching-router.js';
export { IstioRouter } from './istio-router.js';
export { GatewayApiRouter } from './gateway-api-router.js';
export { LocalityRouter } from './locality-router.js';

/** The router of a shift's provider and strategy: the VirtualService, the DestinationRule (locality) or the TCPRoute in the shift's namespace. */
export function createRouter(kube: KubeClient, shift: ResolvedShift): TrafficRouter {
  const spec = shift.spec;
  if (spec.provider === 'gateway-api') return new GatewayApiRouter(kube, spec, shift.namespace);
  return spec.strategy === 'locality' ? new LocalityRouter(kube, spec, shift.namespace) : new IstioRouter(kube, spec, shift.namespace);
}
