import type { DestinationRule as KubeDestinationRule, KubeClient } from '../kube/index.js';
import type { DestinationRule } from '../istio/types.js';
import { localityWeightPatch, readLocalityShape, readLocalityWeights } from '../istio/locality-weights.js';
import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import { PatchingRouter } from './patching-router.js';

/**
 * TrafficRouter of strategy `locality`: the weights are the DestinationRule's
 * localityLbSetting.distribute[0].to (src/istio/locality-weights.ts), so the tcp route of the
 * VirtualService is never written. The state, lock and stored spec annotations live on the
 * DestinationRule too, in the same JSON Patch as the weights: one shift per DestinationRule (its
 * top-level trafficPolicy is one), so the keys carry no route suffix.
 */
export class LocalityRouter extends PatchingRouter<KubeDestinationRule> {
  constructor(kube: KubeClient, spec: ResolvedIstioSpec, namespace: string) {
    super(
      {
        kind: 'DestinationRule',
        client: kube.destinationRules,
        readWeights: (dr) => readLocalityWeights(dr as unknown as DestinationRule, spec),
        readShape: (dr) => readLocalityShape(dr as unknown as DestinationRule, spec),
        weightPatch: (dr, weight, restore) => localityWeightPatch(dr as unknown as DestinationRule, spec, weight, restore),
      },
      spec.target.destinationRule,
      namespace,
    );
  }
}
