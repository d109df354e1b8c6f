// Objects for the gateway emulator's pure tests: the sandbox's own routing objects plus ready pods.
import type { DestinationRule, IstioGateway, Pod, Service, TCPRoute, VirtualService } from '../../src/kube/index.js';
import type { MeshObjects } from '../../src/sandbox/mesh/mesh-objects.js';
import { sandboxObjects } from '../../src/sandbox/sandbox-objects.js';

const T0 = '2026-11-21T10:00:00Z';

/** The sandbox's objects (istio provider) as the gateway sees them, with `pods` ready pods per version. */
export function sandboxMesh(podsPerVersion = 2): MeshObjects {
  const objects = sandboxObjects({ replicas: podsPerVersion, provider: 'istio' }).map((o) => ({ ...o, metadata: { ...o.metadata, creationTimestamp: T0 } }));
  const of = <T>(kind: string): T[] => objects.filter((o) => o.kind === kind) as unknown as T[];
  const pods = ['v1', 'v2'].flatMap((v, vi) => Array.from({ length: podsPerVersion }, (_, i) => readyPod(`echo-${v}-${i}`, v, 20000 + vi * 100 + i)));
  return {
    gateways: of<IstioGateway>('Gateway'),
    virtualServices: of<VirtualService>('VirtualService'),
    destinationRules: of<DestinationRule>('DestinationRule'),
    tcpRoutes: of<TCPRoute>('TCPRoute'),
    services: of<Service>('Service'),
    pods,
  };
}

export function readyPod(name: string, version: string, port: number, options: { ready?: boolean; namespace?: string; terminating?: boolean; labels?: Record<string, string> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? 'echo',
      labels: { app: 'echo', version, ...options.labels },
      ...(options.terminating ? { deletionTimestamp: T0 } : {}),
    },
    spec: { containers: [{ name: 'echo', ports: [{ name: 'tcp-echo', containerPort: port }] }] },
    status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

export function weightedVs(name: string, weights: Array<[string, number | undefined]>, extra: { created?: string; namespace?: string; gateways?: string[]; match?: unknown[] } = {}): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: extra.namespace ?? 'echo', creationTimestamp: extra.created ?? T0 },
    spec: {
      hosts: ['*'],
      gateways: extra.gateways ?? ['echo-gateway'],
      tcp: [
        {
          match: (extra.match ?? [{ port: 31400 }]) as Array<{ port?: number }>,
          route: weights.map(([subset, weight]) => ({ destination: { host: 'echo.echo.svc.cluster.local', subset, port: { number: 9000 } }, ...(weight === undefined ? {} : { weight }) })),
        },
      ],
    },
  };
}

export function tcpRoute(name: string, backends: Array<[string, number | undefined]>, parent: Record<string, unknown> = { name: 'echo-gateway', sectionName: 'tcp' }, created = T0): TCPRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1alpha2',
    kind: 'TCPRoute',
    metadata: { name, namespace: 'echo', creationTimestamp: created },
    spec: {
      parentRefs: [parent as { name: string }],
      rules: [{ backendRefs: backends.map(([service, weight]) => ({ name: service, port: 9000, ...(weight === undefined ? {} : { weight }) })) }],
    },
  };
}
