import type { TcpRoute } from '../gatewayapi/types.js';
import { tcpRouteWeightPatch } from '../gatewayapi/weight-patch.js';
import { readTcpRouteWeights } from '../gatewayapi/weights.js';
import { ownedTcpRouteBackends } from '../gatewayapi/owned-rule.js';
import { readShape } from '../spec/weighted-route.js';
import { tcpRouteKind, type KubeClient, type TCPRoute, type TCPRouteVersion } from '../kube/index.js';
import type { ResolvedGatewayApiSpec } from '../spec/resolved-shift.js';
import { PatchingRouter } from './patching-router.js';

/** TrafficRouter over the owned rule's backendRefs of a Gateway API TCPRoute. */
export class GatewayApiRouter extends PatchingRouter<TCPRoute> {
  constructor(kube: KubeClient, spec: ResolvedGatewayApiSpec, namespace: string) {
    const version = spec.target.apiVersion.split('/')[1] as TCPRouteVersion;
    super(
      {
        kind: 'TCPRoute',
        client: kube.resource(tcpRouteKind(version)),
        readWeights: (route) => readTcpRouteWeights(route as unknown as TcpRoute, spec),
        readShape: (route) => readShape(ownedTcpRouteBackends(route as unknown as TcpRoute, spec)),
        weightPatch: (route, weight, restore) => tcpRouteWeightPatch(route as unknown as TcpRoute, spec, weight, restore),
      },
      spec.target.tcpRoute,
      namespace,
    );
  }
}
