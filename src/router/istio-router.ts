import type { KubeClient, VirtualService as KubeVirtualService } from '../kube/index.js';
import type { VirtualService } from '../istio/types.js';
import { istioWeightPatch } from '../istio/weight-patch.js';
import { readIstioWeights } from '../istio/weights.js';
import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import { PatchingRouter } from './patching-router.js';

/** TrafficRouter over the owned tcp route of an Istio VirtualService (networking.istio.io/v1). */
export class IstioRouter extends PatchingRouter<KubeVirtualService> {
  constructor(kube: KubeClient, spec: ResolvedIstioSpec, namespace: string) {
    super(
      {
        kind: 'VirtualService',
        client: kube.virtualServices,
        readWeights: (vs) => readIstioWeights(vs as unknown as VirtualService, spec),
        weightPatch: (vs, weight) => istioWeightPatch(vs as unknown as VirtualService, spec, weight),
      },
      spec.target.virtualService,
      namespace,
    );
  }
}
