// The parent of a TCPRoute (src/shift/preflight/parent-gateway.ts): the Gateway API Gateway of that
// name (read with the controller's RBAC), else the Istio Gateway of the same name, the stand-in the
// sandbox's gateway emulator also accepts.
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../src/kube/index.js';
import { findParentGateway } from '../../src/shift/preflight/index.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver-fixtures.js';
import { controllerPermissions, permits } from '../support/deploy-rbac.js';
import { routingChainObjects } from '../support/routing-chain.js';

/** Enough of the Gateway API Gateway CRD for the emulator to serve the kind. */
const GATEWAY_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gateways.gateway.networking.k8s.io}
spec:
  group: gateway.networking.k8s.io
  names: {kind: Gateway, listKind: GatewayList, plural: gateways, singular: gateway}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

let api: TestApiServer | undefined;
let kube: KubeClient | undefined;
afterEach(async () => {
  kube?.close();
  await api?.close();
});

async function cluster(serveGatewayApi: boolean): Promise<{ api: TestApiServer; kube: KubeClient }> {
  api = await startTestApiServer();
  if (serveGatewayApi) api.server.installCrds(GATEWAY_CRD);
  api.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } });
  for (const o of routingChainObjects().filter((x) => x.kind === 'Gateway')) api.server.objects.create(o);
  kube = KubeClient.connect({ kubeconfig: api.kubeconfigPath }, { retry: { maxAttempts: 1 } });
  return { api, kube };
}

const gatewayApiGateway = (listeners: unknown[]): KubeObject =>
  ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'echo-gateway', namespace: 'echo' }, spec: { gatewayClassName: 'istio', listeners } });

describe('findParentGateway', () => {
  it('without the Gateway API Gateway kind, the Istio Gateway of that name stands in (its servers are the listeners)', async () => {
    const c = await cluster(false);
    expect(await findParentGateway(c.kube, 'echo-gateway', 'echo')).toEqual({ object: 'Istio Gateway echo/echo-gateway', listeners: [{ name: 'tcp', port: 31400, protocol: 'TCP' }] });
    expect(await findParentGateway(c.kube, 'edge', 'echo')).toBeUndefined();
  });

  it('with the kind served, the Gateway API Gateway and its listeners win over the Istio Gateway of that name', async () => {
    const c = await cluster(true);
    expect((await findParentGateway(c.kube, 'echo-gateway', 'echo'))?.object).toBe('Istio Gateway echo/echo-gateway');
    expect(await findParentGateway(c.kube, 'edge', 'echo')).toBeUndefined();
    c.api.server.objects.create(gatewayApiGateway([{ name: 'tcp-echo', port: 31400, protocol: 'TCP' }, { name: 'web', port: 80, protocol: 'HTTP' }]));
    expect(await findParentGateway(c.kube, 'echo-gateway', 'echo')).toEqual({
      object: 'Gateway echo/echo-gateway',
      listeners: [
        { name: 'tcp-echo', port: 31400, protocol: 'TCP' },
        { name: 'web', port: 80, protocol: 'HTTP' },
      ],
    });
    const reads = c.api.server.requestLog().filter((r) => r.group === 'gateway.networking.k8s.io');
    expect(new Set(reads.map((r) => r.verb))).toEqual(new Set(['get']));
    expect(reads.filter((r) => !permits(controllerPermissions(), r))).toEqual([]);
  });
});
