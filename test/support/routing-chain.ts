// The objects behind the sandbox's echo route that the pre-flight reads (Gateway, DestinationRule,
// Services) plus one Ready pod per version, for tests that run shifts against a bare API emulator.
import type { KubeObject } from '../../src/kube/index.js';
import { sandboxObjects, VERSIONS } from '../../src/sandbox/sandbox-objects.js';

const CHAIN_KINDS = new Set(['Service', 'Gateway', 'DestinationRule']);

/** A Running, Ready pod of the echo Deployment of `version` (nothing runs it: the emulator keeps the status as written). */
export function readyPod(version: string, namespace = 'echo'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `echo-${version}-0`, namespace, labels: { app: 'echo', version } },
    spec: { containers: [{ name: 'echo', image: 'tcpshift-echo', ports: [{ name: 'tcp-echo', containerPort: 9000 }] }] },
    status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/**
 * Gateway echo-gateway, DestinationRule echo, Services echo/echo-v1/echo-v2 and a Ready pod per
 * version. The Gateway and DestinationRule go to `routeNamespace` (beside the VirtualService);
 * the Services and pods stay in `echo` (the spec's host is echo.echo.svc.cluster.local).
 */
export function routingChainObjects(routeNamespace = 'echo'): KubeObject[] {
  const chain = sandboxObjects({ replicas: 1, provider: 'istio' })
    .filter((o) => CHAIN_KINDS.has(o.kind ?? ''))
    .map((o) => (o.kind === 'Service' ? o : { ...o, metadata: { ...o.metadata, namespace: routeNamespace } }));
  return [...chain, ...VERSIONS.map((v) => readyPod(v))];
}

/**
 * Create the chain in an emulator (in-process); pods get their Ready status through /status.
 * `include` picks a part of it (e.g. only the Gateway and DestinationRule of a second route namespace).
 */
export function createRoutingChain(
  objects: { create(o: KubeObject): KubeObject; update(o: KubeObject, sub?: 'status'): KubeObject },
  routeNamespace = 'echo',
  include: (object: KubeObject) => boolean = () => true,
): void {
  for (const object of routingChainObjects(routeNamespace).filter(include)) {
    const created = objects.create(object);
    if (object.kind === 'Pod') objects.update({ ...created, status: object.status }, 'status');
  }
}
