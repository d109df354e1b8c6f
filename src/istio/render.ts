import { renderedMetadata } from '../spec/managed-metadata.js';
import type { ResolvedIstioSpec, ResolvedShift } from '../spec/resolved-shift.js';
import { weightsForCanary } from '../spec/weighted-route.js';
import { gatewayObjects, MESH_GATEWAY, renderedGateways } from './gateway-refs.js';
import { ISTIO_API_VERSION, type DestinationRule, type IstioGateway, type RouteDestination, type VirtualService } from './types.js';

/** The subset label the rendered DestinationRule selects pods by: version=<subset>. */
export const VERSION_LABEL = 'version';

export type IstioShift = ResolvedShift & { spec: ResolvedIstioSpec };

/** An Istio Gateway with one TCP server per match port (matchPort, or each of matchPorts) for each non-mesh gateway of the shift. */
export function renderGateways(shift: IstioShift): IstioGateway[] {
  const { target } = shift.spec;
  return gatewayObjects(target, shift.namespace).map(({ name, namespace }) => ({
    apiVersion: ISTIO_API_VERSION,
    kind: 'Gateway',
    metadata: renderedMetadata(shift, name, namespace),
    spec: {
      selector: { ...target.gatewaySelector },
      servers: target.matchPorts.map((port) => ({ port: { number: port, name: `tcp-${port}`, protocol: 'TCP' }, hosts: ['*'] })),
    },
  }));
}

/** Istio (protobuf JSON) durations are seconds with an `s` suffix: 90000 ms -> "90s". */
function protoDuration(ms: number): string {
  return `${ms / 1000}s`;
}

function trafficPolicy(spec: ResolvedIstioSpec): Record<string, unknown> | undefined {
  const keepalive = spec.target.tcpKeepalive;
  if (!keepalive) return undefined;
  const tcpKeepalive: Record<string, unknown> = {};
  if (keepalive.timeMs !== undefined) tcpKeepalive.time = protoDuration(keepalive.timeMs);
  if (keepalive.intervalMs !== undefined) tcpKeepalive.interval = protoDuration(keepalive.intervalMs);
  if (keepalive.probes !== undefined) tcpKeepalive.probes = keepalive.probes;
  return { connectionPool: { tcp: { tcpKeepalive } } };
}

/** DestinationRule with the stable and canary subsets (pods labelled version=<subset>). */
export function renderDestinationRule(shift: IstioShift): DestinationRule {
  const { spec } = shift;
  const policy = trafficPolicy(spec);
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'DestinationRule',
    metadata: renderedMetadata(shift, spec.target.destinationRule),
    spec: {
      host: spec.target.host,
      subsets: [spec.stable.subset, spec.canary.subset].map((subset) => ({ name: subset, labels: { [VERSION_LABEL]: subset } })),
      ...(policy && { trafficPolicy: policy }),
    },
  };
}

/** One weighted destination of the owned tcp route. */
export function routeDestination(spec: ResolvedIstioSpec, subset: string, weight: number): RouteDestination {
  return { destination: { host: spec.target.host, subset, port: { number: spec.target.port } }, weight };
}

/** VirtualService whose single tcp route (match port = matchPort) splits stable 100-W / canary W. */
export function renderVirtualService(shift: IstioShift, canaryWeight: number): VirtualService {
  const { spec } = shift;
  const weights = weightsForCanary(canaryWeight);
  return virtualServiceRouting(shift, [routeDestination(spec, spec.stable.subset, weights.stable), routeDestination(spec, spec.canary.subset, weights.canary)]);
}

/** The shift's VirtualService (bound to its gateways) with a tcp route `route` on each match port. */
export function virtualServiceRouting(shift: IstioShift, route: RouteDestination[]): VirtualService {
  const { spec } = shift;
  const gateways = renderedGateways(spec.target);
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    metadata: renderedMetadata(shift, spec.target.virtualService),
    spec: {
      // A VirtualService bound to the mesh gateway may not use the wildcard host.
      hosts: gateways.includes(MESH_GATEWAY) ? [spec.target.host] : ['*'],
      gateways,
      tcp: spec.target.matchPorts.map((port) => ({ match: [{ port }], route })),
    },
  };
}

/** Gateway(s), DestinationRule and VirtualService for canary weight W (0..100). */
export function renderIstioResources(shift: IstioShift, canaryWeight: number): Array<IstioGateway | DestinationRule | VirtualService> {
  return [...renderGateways(shift), renderDestinationRule(shift), renderVirtualService(shift, canaryWeight)];
}
