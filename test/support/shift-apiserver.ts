// An API emulator set up like the sandbox's routing objects (namespace echo, VirtualService and
// TCPRoute `echo` at 100 % v1), with a src/kube client connected to it.
import { renderTcpRoute } from '../../src/gatewayapi/render.js';
import type { GatewayApiShift } from '../../src/gatewayapi/render.js';
import { KubeClient } from '../../src/kube/index.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { ResolvedShift } from '../../src/spec/resolved-shift.js';
import { startTestApiServer, virtualService, type TestApiServer } from './apiserver-fixtures.js';
import { exampleObject, withChanges } from '../spec/examples.js';

export interface ShiftApi extends TestApiServer {
  kube: KubeClient;
  gatewayApiShift: ResolvedShift;
  /** The VirtualService as stored now. */
  vs(): Record<string, any>;
  /** Writes per `verb resource` since the last reset. */
  writes(): Record<string, number>;
}

export async function startShiftApi(): Promise<ShiftApi> {
  const api = await startTestApiServer();
  const objects = api.server.objects;
  objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } });
  objects.create(virtualService('echo', [100, 0], 'echo') as never);
  const parsed = parseTCPShiftObject(withChanges(exampleObject('shift-gateway-api.yaml'), {}));
  if (!parsed.ok) throw new Error('bad gateway-api example');
  objects.create(renderTcpRoute(parsed.shift as GatewayApiShift, 0) as never);
  const kube = KubeClient.connect({ kubeconfig: api.kubeconfigPath }, { retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  return {
    ...api,
    kube,
    gatewayApiShift: parsed.shift,
    vs: () => objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' }) as Record<string, any>,
    writes: () => Object.fromEntries(Object.entries(api.server.requestCounts()).filter(([k]) => /^(patch|update|create|delete)/.test(k))),
    async close() {
      kube.close();
      await api.close();
    },
  };
}
