// Every canary weight a VirtualService's route went through, from a real watch: the write history
// tests use to prove a step was written once (or not again after a failover).
import type { KubeClient, VirtualService } from '../../src/kube/index.js';
import type { WatchHandle } from '../../src/kube/index.js';
import { waitFor } from './probe-wait.js';

export interface RouteHistory {
  /** The canary weights in the order written (consecutive repeats folded), once the watch has caught up. */
  canaryWeights(): Promise<number[]>;
  stop(): void;
}

const canaryOf = (vs: VirtualService, matchPort: number): number => {
  const route = vs.spec.tcp?.find((r) => r.match?.some((m) => m.port === matchPort))?.route ?? [];
  return route.find((d) => d.destination.subset === 'v2')?.weight ?? 0;
};

export async function followRouteWeights(kube: KubeClient, namespace: string, name: string, matchPort = 31400): Promise<RouteHistory> {
  const history = await followVersions(kube, namespace, name);
  return {
    async canaryWeights() {
      const weights: number[] = [];
      for (const version of await history.versions()) {
        const canary = canaryOf(version, matchPort);
        if (weights.at(-1) !== canary) weights.push(canary);
      }
      return weights;
    },
    stop: () => history.stop(),
  };
}

export interface VersionHistory {
  /** Every version of the object from the first read on, once the watch has caught up. */
  versions(): Promise<VirtualService[]>;
  stop(): void;
}

/** Every version a VirtualService goes through (each write is one), from a real watch. */
export async function followVersions(kube: KubeClient, namespace: string, name: string): Promise<VersionHistory> {
  const first = await kube.virtualServices.get(name, namespace);
  const versions = [first];
  let seen = first.metadata.resourceVersion ?? '';
  const handle: WatchHandle = await kube.virtualServices.watch(
    { namespace, fieldSelector: `metadata.name=${name}`, resourceVersion: seen },
    (event) => {
      seen = event.object.metadata.resourceVersion ?? seen;
      if (event.type !== 'BOOKMARK' && event.type !== 'DELETED') versions.push(event.object);
    },
    () => undefined,
  );
  return {
    async versions() {
      const current = (await kube.virtualServices.get(name, namespace)).metadata.resourceVersion ?? '';
      await waitFor(() => seen === current, `the watch of VirtualService ${namespace}/${name} to reach ${current}`, 5000);
      return [...versions];
    },
    stop: () => handle.stop(),
  };
}
