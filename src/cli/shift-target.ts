/**
 * Finding a shift by name for `status`, `abort`, `resume` and `rollback`: a TCPShift resource of
 * that name (the controller runs it) or a route carrying a CLI shift's stored spec of that name
 * (annotation tcpshift.io/spec, per tcp route on a VirtualService; see src/router/route-annotations.ts).
 */
import os from 'node:os';
import { NotFoundError, tcpRouteKind, type KubeClient, type KubeObject, type TCPShift } from '../kube/index.js';
import { createRouter, routeKeysWithSpec, scopedKey, type RouteSnapshot, type TrafficRouter } from '../router/index.js';
import { readShiftState, ShiftAnnotations, StateFormatError, type ShiftState } from '../shift/index.js';
import { deepEqual } from '../util/json-patch.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import { parseTCPShiftObject } from '../spec/parse-tcpshift.js';
import { RoutingError } from '../spec/routing-error.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';
import { UsageError } from './errors.js';
import { parseStoredShift } from './shift-options.js';
import { supersedingShift } from './superseded.js';

export interface ControllerShift {
  kind: 'controller';
  name: string;
  namespace: string;
  object: TCPShift;
  /** Looked up by a CLI shift's name whose state on the route this TCPShift's later run made stale. */
  supersedes?: { name: string; route: string };
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

async function listOrNone(list: () => Promise<{ items: KubeObject[] }>): Promise<KubeObject[]> {
  try {
    return (await list()).items;
  } catch (error) {
    if (error instanceof NotFoundError) return []; // the kind is not served here
    throw error;
  }
}

/** Every VirtualService, DestinationRule (strategy locality) and TCPRoute of the namespace, or of all (a TCPRoute once, whichever version serves it). */
async function routeObjects(kube: KubeClient, namespace: string | undefined): Promise<KubeObject[]> {
  const where = namespace === undefined ? { allNamespaces: true } : { namespace };
  const found = await listOrNone(() => kube.virtualServices.list(where));
  found.push(...(await listOrNone(() => kube.destinationRules.list(where))));
  for (const version of ['v1alpha2', 'v1'] as const) {
    const routes = await listOrNone(() => kube.resource(tcpRouteKind(version)).list(where));
    found.push(...routes);
    if (routes.length > 0) break;
  }
  return found;
}

/** A route of an object whose stored spec (tcpshift.io/spec, per route) names the shift. */
interface StoredShift {
  name: string;
  object: KubeObject;
  where: string;
  document: unknown;
}

function storedDocument(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`annotation ${ShiftAnnotations.spec} of ${where} is not JSON`);
  }
}

/** The CLI shifts stored on this object (named NAME, or all): one per route key with a stored spec. */
function storedShiftsOf(object: KubeObject, name: string | undefined, namespace: string): StoredShift[] {
  const annotations = object.metadata.annotations ?? {};
  const where = `${object.kind ?? 'route'} ${namespace}/${object.metadata.name ?? '?'}`;
  return routeKeysWithSpec(annotations).flatMap((key) => {
    const document = storedDocument(annotations[scopedKey(ShiftAnnotations.spec, key)] ?? '', where);
    const stored = (document as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    return typeof stored === 'string' && (name === undefined || stored === name) ? [{ object, where, document, name: stored }] : [];
  });
}

/**
 * Every CLI shift on the routes of a namespace (or of all: undefined), as `get`/`list` show them;
 * a route whose stored state cannot be read is left out (`status NAME` says why).
 */
export async function cliShiftsIn(kube: KubeClient, namespace: string | undefined): Promise<CliShift[]> {
  const found: CliShift[] = [];
  for (const object of await routeObjects(kube, namespace)) {
    const ns = object.metadata.namespace ?? namespace ?? kube.defaultNamespace;
    for (const stored of storedShiftsOf(object, undefined, ns)) {
      try {
        const shift = cliShift(kube, stored.name, ns, stored);
        if (shift) found.push(shift);
      } catch (error) {
        if (!(error instanceof UsageError || error instanceof StateFormatError)) throw error;
      }
    }
  }
  return found;
}

/**
 * The route carrying CLI shift NAME: found by the spec stored per route (so a shift is found after
 * another route of the same VirtualService was shifted, whatever the label says). A spec left under
 * the previous version's plain keys counts only while its route still reads them.
 */
async function cliShiftOf(kube: KubeClient, name: string, namespace: string): Promise<CliShift | undefined> {
  const found: CliShift[] = [];
  for (const object of await routeObjects(kube, namespace)) {
    for (const stored of storedShiftsOf(object, name, namespace)) {
      const shift = cliShift(kube, name, namespace, stored);
      if (shift) found.push(shift);
    }
  }
  if (found.length > 1) throw new UsageError(`${found.length} routes in namespace ${namespace} carry shift ${name}: ${found.map((f) => f.router.description).join(', ')}`);
  return found[0];
}

function cliShift(kube: KubeClient, name: string, namespace: string, stored: StoredShift): CliShift | undefined {
  const { shift, resource } = parseStoredShift(stored.document, `annotation ${ShiftAnnotations.spec} of ${stored.where}`);
  const router = createRouter(kube, shift);
  const annotations = router.annotationsOf(stored.object);
  const seen = annotations[ShiftAnnotations.spec];
  // the route reads another spec (this one is a stale leftover of the previous layout)
  if (seen === undefined || !deepEqual(storedDocument(seen, stored.where), stored.document)) return undefined;
  try {
    return { kind: 'cli', name, namespace, shift, resource, router, snapshot: router.snapshot(stored.object), state: readShiftState(annotations) };
  } catch (error) {
    if (error instanceof RoutingError) throw new UsageError(`${stored.where} cannot be read as shift ${name}'s route: ${error.message}`);
    throw error;
  }
}

export async function findShift(kube: KubeClient, name: string, namespace: string | undefined): Promise<FoundShift> {
  const ns = namespace ?? kube.defaultNamespace;
  const managed = await kube.tcpShifts.find(name, ns).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (managed) return { kind: 'controller', name, namespace: ns, object: managed };
  const found = await cliShiftOf(kube, name, ns);
  if (!found) throw new UsageError(`no shift named ${name} in namespace ${ns}: no TCPShift ${name}, and no VirtualService, DestinationRule or TCPRoute carrying a ${ShiftAnnotations.spec} annotation of shift ${name}`);
  const newer = await supersedingShift(kube, ns, { spec: found.shift.spec, state: found.state });
  if (!newer) return found;
  const supersedes = { name, route: found.router.description };
  return { kind: 'controller', name: newer.metadata.name ?? name, namespace: ns, object: newer, supersedes };
}

/** What a TCPShift shifts, e.g. `VirtualService echo/echo`; the TCPShift itself when its spec does not parse. */
export function targetOf(kube: KubeClient, found: ControllerShift): string {
  const parsed = parseTCPShiftObject(found.object);
  return parsed.ok ? createRouter(kube, parsed.shift).description : `TCPShift ${found.namespace}/${found.name} (spec not valid)`;
}

/** A line saying a CLI shift's state was superseded by the controller's run, or ''. */
export function supersededNote(found: ControllerShift): string {
  if (!found.supersedes) return '';
  return `shift ${found.supersedes.name}'s state on ${found.supersedes.route} is out of date: TCPShift ${found.namespace}/${found.name} (the controller) ran on that route after it; acting on the TCPShift\n`;
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
