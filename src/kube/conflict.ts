import { deepEqual } from '../util/json-patch.js';
import { ConflictError } from './errors.js';
import type { KubeObject } from './objects.js';
import type { ResourceClient } from './resource-client.js';

/**
 * client-go's RetryOnConflict: read the object, apply a pure change function to a copy, write it
 * with the read resourceVersion as precondition; on 409 read again and re-apply. A change that
 * returns undefined or an equal object writes nothing.
 */
export interface ConflictRetryResult<T> {
  object: T;
  written: boolean;
  attempts: number;
}

export async function updateWithConflictRetry<T extends KubeObject>(
  client: ResourceClient<T>,
  name: string,
  namespace: string | undefined,
  change: (current: T) => T | undefined,
  options: { maxAttempts?: number; status?: boolean } = {},
): Promise<ConflictRetryResult<T>> {
  const maxAttempts = options.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    const current = await client.get(name, namespace);
    const next = change(structuredClone(current));
    if (next === undefined || deepEqual(next, current)) return { object: current, written: false, attempts: attempt };
    const candidate = { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } };
    try {
      const object = options.status ? await client.replaceStatus(candidate) : await client.replace(candidate);
      return { object, written: true, attempts: attempt };
    } catch (e) {
      if (!(e instanceof ConflictError) || attempt >= maxAttempts) throw e;
    }
  }
}
