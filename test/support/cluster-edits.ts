// Break the sandbox's cluster for one test row and put it back: each edit keeps the object as it
// was, and restore() writes every one back (re-created when it was deleted), last edit first.
import type { KubeObject } from '../../src/kube/index.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

interface Objects {
  get(ref: ObjectRef): KubeObject;
  create(object: KubeObject): KubeObject;
  update(object: KubeObject): KubeObject;
  delete(ref: ObjectRef): void;
}

type Spec = Record<string, unknown>;

export class ClusterEdits {
  private readonly saved: Array<{ ref: ObjectRef; original: KubeObject }> = [];
  constructor(private readonly objects: Objects) {}

  /** Replace the object's spec with `change(spec)`; `undefined` deletes the object. */
  edit(ref: ObjectRef, change: (spec: Spec) => Spec | undefined): void {
    const original = this.objects.get(ref);
    this.saved.push({ ref, original });
    const spec = change(structuredClone((original as { spec?: Spec }).spec ?? {}));
    if (spec === undefined) this.objects.delete(ref);
    else this.objects.update({ ...original, spec });
  }

  restore(): void {
    for (const { ref, original } of this.saved.splice(0).reverse()) {
      let current: KubeObject | undefined;
      try {
        current = this.objects.get(ref);
      } catch {
        current = undefined;
      }
      if (current) this.objects.update({ ...original, metadata: { ...original.metadata, resourceVersion: current.metadata.resourceVersion } });
      else this.objects.create({ ...original, metadata: { ...original.metadata, resourceVersion: undefined, uid: undefined, creationTimestamp: undefined } });
    }
  }
}

const ns = 'echo';
export const refs = {
  virtualService: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: ns },
  gateway: { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', name: 'echo-gateway', namespace: ns },
  destinationRule: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', name: 'echo', namespace: ns },
  localityDestinationRule: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', name: 'echo-locality', namespace: ns },
  tcpRoute: { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', name: 'echo', namespace: ns },
  service: (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Service', name, namespace: ns }),
};
