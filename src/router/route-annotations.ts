/**
 * tcpshift's state annotations are per route, not per object: a VirtualService may have several
 * tcp routes (one per match port), each shifted on its own, so each route's keys carry its match
 * port as a suffix (`tcpshift.io/state.31400`, `tcpshift.io/holder.31400`, ...). A TCPRoute is
 * one route: its keys have no suffix. Pure.
 *
 * The router shows the engine a *view* of the annotations under the plain names
 * (`tcpshift.io/state`), so src/shift reads and writes one route's state without knowing the
 * layout; writes are translated back to the route's keys. The previous version wrote the plain
 * names on a VirtualService: when a route has none of its own keys and the plain keys belong to it
 * (their stored spec names its match port, or names none), the view shows them (migration), and
 * the first write of that route moves them to its suffixed keys and removes the plain ones.
 */
import type { MetadataChanges } from './traffic-router.js';

/** The per-route annotations (the names are the view's; the stored keys add the route's suffix). */
export const RouteAnnotations = {
  state: 'tcpshift.io/state',
  phase: 'tcpshift.io/phase',
  step: 'tcpshift.io/step',
  originalWeights: 'tcpshift.io/original-weights',
  holder: 'tcpshift.io/holder',
  expires: 'tcpshift.io/expires',
  spec: 'tcpshift.io/spec',
  request: 'tcpshift.io/request',
  requestedBy: 'tcpshift.io/requested-by',
  probes: 'tcpshift.io/probes',
} as const;

const SCOPED: readonly string[] = Object.values(RouteAnnotations);

/** Which route of an object the annotations are about. */
export interface RouteScope {
  /** The suffix of this route's keys (the match port); undefined when the object is the route. */
  key?: string;
  /** Whether plain keys left by the previous version belong to this route. */
  ownsLegacy(annotations: Readonly<Record<string, string>>): boolean;
}

export const WHOLE_OBJECT: RouteScope = { ownsLegacy: () => true };

/** `tcpshift.io/state` of route `31400` is stored as `tcpshift.io/state.31400`. */
export function scopedKey(name: string, key: string | undefined): string {
  return key === undefined ? name : `${name}.${key}`;
}

/** The plain name and route key of a stored per-route key; undefined for any other annotation. */
export function parseScopedKey(stored: string): { name: string; key: string | undefined } | undefined {
  if (SCOPED.includes(stored)) return { name: stored, key: undefined };
  const dot = stored.lastIndexOf('.');
  const name = stored.slice(0, dot);
  return dot > 0 && SCOPED.includes(name) ? { name, key: stored.slice(dot + 1) } : undefined;
}

/** The route keys that have a stored spec on this object (undefined: the plain, unsuffixed key). */
export function routeKeysWithSpec(annotations: Readonly<Record<string, string>>): Array<string | undefined> {
  return Object.keys(annotations)
    .map(parseScopedKey)
    .filter((p) => p?.name === RouteAnnotations.spec)
    .map((p) => p?.key);
}

/** True when this route reads the plain keys of the previous version (it has none of its own). */
export function readsLegacy(annotations: Readonly<Record<string, string>>, scope: RouteScope): boolean {
  if (scope.key === undefined) return false;
  const has = (key: string | undefined): boolean => SCOPED.some((name) => annotations[scopedKey(name, key)] !== undefined);
  return !has(scope.key) && has(undefined) && scope.ownsLegacy(annotations);
}

/** The annotations as one route sees them: its own keys under the plain names, other routes' keys hidden. */
export function routeView(annotations: Readonly<Record<string, string>>, scope: RouteScope): Record<string, string> {
  if (scope.key === undefined) return { ...annotations };
  const view: Record<string, string> = {};
  for (const [stored, value] of Object.entries(annotations)) if (!parseScopedKey(stored)) view[stored] = value;
  const source = readsLegacy(annotations, scope) ? undefined : scope.key;
  for (const name of SCOPED) {
    const value = annotations[scopedKey(name, source)];
    if (value !== undefined) view[name] = value;
  }
  return view;
}

/**
 * The stored annotation changes for changes made to the view: per-route names get the route's
 * suffix; when the route still reads the previous version's plain keys, they move to its keys
 * in the same write.
 */
export function storedChanges(
  changes: MetadataChanges | undefined,
  annotations: Readonly<Record<string, string>>,
  scope: RouteScope,
): MetadataChanges | undefined {
  if (!changes || scope.key === undefined) return changes;
  const stored: MetadataChanges = {};
  for (const [name, value] of Object.entries(changes)) stored[SCOPED.includes(name) ? scopedKey(name, scope.key) : name] = value;
  const touchesRoute = Object.keys(changes).some((name) => SCOPED.includes(name));
  if (touchesRoute && readsLegacy(annotations, scope)) {
    for (const name of SCOPED) {
      const value = annotations[name];
      if (value === undefined) continue;
      stored[name] = null;
      if (!(name in changes)) stored[scopedKey(name, scope.key)] = value;
    }
  }
  return stored;
}
