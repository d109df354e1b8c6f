import type { KubeClient, VirtualService as KubeVirtualService } from '../kube/index.js';
import type { VirtualService } from '../istio/types.js';
import { istioWeightPatch } from '../istio/weight-patch.js';
import { readIstioWeights } from '../istio/weights.js';
import { readLockstepShape } from '../istio/lockstep-routes.js';
import { legacyStateOfPort } from './legacy-route-state.js';
import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import { PatchingRouter } from './patching-router.js';

/** TrafficRouter over the owned tcp route(s) of an Istio VirtualService (networking.istio.io/v1); annotations keyed by its (first) match port. */
export class IstioRouter extends PatchingRouter<KubeVirtualService> {
  constructor(kube: KubeClient, spec: ResolvedIstioSpec, namespace: string) {
    super(
      {
        kind: 'VirtualService',
        client: kube.virtualServices,
        readWeights: (vs) => readIstioWeights(vs as unknown as VirtualService, spec),
        readShape: (vs) => readLockstepShape(vs as unknown as VirtualService, spec),
        weightPatch: (vs, weight, restore) => istioWeightPatch(vs as unknown as VirtualService, spec, weight, restore),
        // A VirtualService has a tcp route per match port: each keeps its own annotations (a
        // lockstep shift of target.matchPorts keeps them under its first port's keys).
        scope: { key: String(spec.target.matchPort), ownsLegacy: (annotations) => legacyStateOfPort(annotations, spec.target.matchPort) },
      },
      spec.target.virtualService,
      namespace,
    );
  }
}
