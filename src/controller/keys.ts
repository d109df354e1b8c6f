/** Work-queue keys of TCPShifts: `namespace/name`, as client-go's MetaNamespaceKeyFunc. */
import type { KubeObject } from '../kube/index.js';

export interface ObjectKey {
  namespace: string;
  name: string;
}

export function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * The newer of two versions of one object (by resourceVersion, compared as integers when both
 * are, as every server makes them in practice); `a` when they are equal or not comparable.
 */
export function newerOf<T extends KubeObject>(a: T, b: T | undefined): T {
  if (!b || b.metadata.uid !== a.metadata.uid) return a;
  const ra = a.metadata.resourceVersion ?? '';
  const rb = b.metadata.resourceVersion ?? '';
  if (/^\d+$/.test(ra) && /^\d+$/.test(rb)) return BigInt(rb) > BigInt(ra) ? b : a;
  return a;
}
