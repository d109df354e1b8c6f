/**
 * Finding a shift by name for `status`, `abort`, `resume` and `rollback`: a TCPShift resource of
 * that name (the controller runs it) or a route carrying a CLI shift's state (label
 * tcpshift.io/shift=NAME on a VirtualService or TCPRoute, or a VirtualService named NAME with
 * the state annotation).
 */
import os from 'node:os';
import { NotFoundError, tcpRouteKind, type KubeClient, type KubeObject, type TCPShift } from '../kube/index.js';
import { createRouter, type RouteSnapshot, type TrafficRouter } from '../router/index.js';
import { readShiftState, readStoredSpec, SHIFT_LABEL, ShiftAnnotations, type ShiftState } from '../shift/index.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import { RoutingError } from '../spec/routing-error.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';
import { UsageError } from './errors.js';
import { parseStoredShift } from './shift-options.js';

export interface ControllerShift {
  kind: 'controller';
  name: string;
  namespace: string;
  object: TCPShift;
}

export interface CliShift {
  kind: 'cli';
  name: string;
  namespace: string;
  shift: ResolvedShift;
  resource: TCPShiftResource;
  router: TrafficRouter;
  snapshot: RouteSnapshot;
  state: ShiftState | undefined;
}

export type FoundShift = ControllerShift | CliShift;

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

async function listOrNone(list: () => Promise<{ items: KubeObject[] }>): Promise<KubeObject[]> {
  try {
    return (await list()).items;
  } catch (error) {
    if (error instanceof NotFoundError) return []; // the kind is not served here
    throw error;
  }
}

async function labelledRoutes(kube: KubeClient, name: string, namespace: string): Promise<KubeObject[]> {
  if (name.length > 63 || !LABEL_VALUE.test(name)) return [];
  const labelSelector = `${SHIFT_LABEL}=${name}`;
  const found = await listOrNone(() => kube.virtualServices.list({ namespace, labelSelector }));
  for (const version of ['v1alpha2', 'v1'] as const) {
    if (found.length > 0) break;
    found.push(...(await listOrNone(() => kube.resource(tcpRouteKind(version)).list({ namespace, labelSelector }))));
  }
  return found;
}

async function routeOf(kube: KubeClient, name: string, namespace: string): Promise<KubeObject | undefined> {
  const labelled = await labelledRoutes(kube, name, namespace);
  if (labelled.length > 1) {
    throw new UsageError(`${labelled.length} routes in namespace ${namespace} carry shift ${name}: ${labelled.map((o) => `${o.kind ?? '?'} ${o.metadata.name ?? '?'}`).join(', ')}`);
  }
  if (labelled[0]) return labelled[0];
  const named = await kube.virtualServices.find(name, namespace);
  return named?.metadata.annotations?.[ShiftAnnotations.state] !== undefined ? named : undefined;
}

export async function findShift(kube: KubeClient, name: string, namespace: string | undefined): Promise<FoundShift> {
  const ns = namespace ?? kube.defaultNamespace;
  const managed = await kube.tcpShifts.find(name, ns).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (managed) return { kind: 'controller', name, namespace: ns, object: managed };
  const route = await routeOf(kube, name, ns);
  if (!route) throw new UsageError(`no shift named ${name} in namespace ${ns}: no TCPShift ${name}, and no VirtualService or TCPRoute labelled ${SHIFT_LABEL}=${name}`);
  const annotations = route.metadata.annotations ?? {};
  const where = `${route.kind ?? 'route'} ${ns}/${route.metadata.name ?? '?'}`;
  const stored = readStoredSpec(annotations);
  if (stored === undefined) throw new UsageError(`${where} carries no ${ShiftAnnotations.spec} annotation: cannot tell how shift ${name} routes`);
  const { shift, resource } = parseStoredShift(stored, `annotation ${ShiftAnnotations.spec} of ${where}`);
  const router = createRouter(kube, shift);
  try {
    return { kind: 'cli', name, namespace: ns, shift, resource, router, snapshot: router.snapshot(route), state: readShiftState(annotations) };
  } catch (error) {
    if (error instanceof RoutingError) throw new UsageError(`${where} cannot be read as shift ${name}'s route: ${error.message}`);
    throw error;
  }
}

/** Who asks, for tcpshift.io/requested-by: user@host pid N. */
export function requester(): string {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return `${user}@${os.hostname()} pid ${process.pid}`;
}
