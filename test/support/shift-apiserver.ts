// An API emulator set up like the sandbox's routing objects (namespace echo, VirtualService and
// TCPRoute `echo` at 100 % v1, and the chain the pre-flight reads: Gateway, DestinationRule,
// Services, a Ready pod per version), with a src/kube client connected to it.
import { renderTcpRoute } from '../../src/gatewayapi/render.js';
import type { GatewayApiShift } from '../../src/gatewayapi/render.js';
import { KubeClient, type KubeObject } from '../../src/kube/index.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { ResolvedShift } from '../../src/spec/resolved-shift.js';
import { holderAnnotations, SHIFT_LABEL, ShiftAnnotations, stateAnnotations, type ShiftState } from '../../src/shift/index.js';
import { routeView, type RouteScope } from '../../src/router/index.js';
import { createRoutingChain } from './routing-chain.js';
import { startTestApiServer, virtualService, type TestApiServer } from './apiserver-fixtures.js';
import { shiftDocument } from './shift-fixtures.js';
import { exampleObject, withChanges } from '../spec/examples.js';

/** The sandbox VirtualService's tcp route (match port 31400): how its annotations are keyed. */
export const ECHO_ROUTE: RouteScope = { key: '31400', ownsLegacy: () => true };

export interface PlacedShift {
  state?: ShiftState;
  holder?: { identity: string; expiresAt: number };
  weights?: [number, number];
  request?: string;
  /** The shift's name (metadata.name of its stored spec); default demo. */
  name?: string;
}

/** The stored VirtualService, as tests read it. */
export interface StoredVirtualService {
  metadata: { name: string; namespace: string; resourceVersion: string; annotations: Record<string, string>; labels?: Record<string, string> };
  spec: { http?: unknown[]; tcp: Array<{ match?: unknown[]; route: Array<{ destination: unknown; weight: number }> }>; [key: string]: unknown };
}

export interface ShiftApi extends TestApiServer {
  /** The owned route's weights now: [stable, canary]. */
  weights(): number[];
  /** Reset the VirtualService to these weights and put a CLI shift's annotations on it. */
  placeShift(placed?: PlacedShift): void;
  kube: KubeClient;
  gatewayApiShift: ResolvedShift;
  /** The VirtualService as stored now. */
  vs(): StoredVirtualService;
  /** tcpshift's annotations of its route (match port 31400) under their plain names, as the router shows them. */
  annotations(): Record<string, string>;
  /** Writes per `verb resource` since the last reset. */
  writes(): Record<string, number>;
}

export async function startShiftApi(): Promise<ShiftApi> {
  const api = await startTestApiServer();
  const objects = api.server.objects;
  objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } });
  objects.create(virtualService('echo', [100, 0], 'echo') as unknown as KubeObject);
  const parsed = parseTCPShiftObject(withChanges(exampleObject('shift-gateway-api.yaml'), {}));
  if (!parsed.ok) throw new Error('bad gateway-api example');
  objects.create(renderTcpRoute(parsed.shift as GatewayApiShift, 0));
  createRoutingChain(objects);
  const kube = KubeClient.connect({ kubeconfig: api.kubeconfigPath }, { retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  return {
    ...api,
    kube,
    gatewayApiShift: parsed.shift,
    placeShift(placed: PlacedShift = {}) {
      const current = objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' });
      const annotations: Record<string, string> = {
        [ShiftAnnotations.spec]: JSON.stringify(shiftDocument(placed.name ? { 'metadata.name': placed.name } : {})),
        ...(placed.state ? (stateAnnotations(placed.state, 3) as Record<string, string>) : {}),
        ...(placed.holder ? (holderAnnotations(placed.holder.identity, placed.holder.expiresAt) as Record<string, string>) : {}),
        ...(placed.request ? { [ShiftAnnotations.request]: placed.request } : {}),
      };
      objects.update({ ...virtualService('echo', placed.weights ?? [100, 0], 'echo'), metadata: { ...current.metadata, labels: { [SHIFT_LABEL]: placed.name ?? 'demo' }, annotations } });
      api.server.resetRequestCounts();
    },
    vs: () => {
      const vs = objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' }) as unknown as StoredVirtualService;
      return { ...vs, metadata: { ...vs.metadata, annotations: vs.metadata.annotations ?? {} } };
    },
    annotations: () => {
      const vs = objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' }) as unknown as StoredVirtualService;
      return routeView(vs.metadata.annotations ?? {}, ECHO_ROUTE);
    },
    weights: () => {
      const vs = objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' }) as unknown as StoredVirtualService;
      return vs.spec.tcp.at(-1)!.route.map((d) => d.weight);
    },
    writes: () => Object.fromEntries(Object.entries(api.server.requestCounts()).filter(([k]) => /^(patch|update|create|delete)/.test(k))),
    async close() {
      kube.close();
      await api.close();
    },
  };
}
