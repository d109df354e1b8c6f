import { RouteAnnotations } from './route-annotations.js';

/**
 * Whether the plain (unsuffixed) annotations a previous tcpshift version wrote on a VirtualService
 * are the state of the tcp route on `matchPort`: its stored spec names that match port, or it
 * names none (the previous version's default route). Pure.
 */
export function legacyStateOfPort(annotations: Readonly<Record<string, string>>, matchPort: number): boolean {
  const text = annotations[RouteAnnotations.spec];
  if (text === undefined) return true;
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return true; // unreadable: the route that reads it reports it
  }
  const port = (stored as { spec?: { target?: { matchPort?: unknown } } } | null)?.spec?.target?.matchPort;
  return typeof port !== 'number' || port === matchPort;
}
