/**
 * A `shift` started on a route that already carries canary traffic, pure. A pipeline retry after
 * a promotion must not move traffic back: the route at 100 % canary under the same routing spec
 * (provider, target, stable, canary as kept in tcpshift.io/spec) is "already promoted" (exit 0,
 * nothing written). Any other canary weight is refused unless the operator asks to start again
 * from stable (`--restart`) or continues the shift (`resume`). The controller refuses any canary
 * weight on a route it has not written yet (Degraded CanaryTraffic): a TCPShift re-applied after
 * a promotion must not move traffic back.
 */
import type { RouteSnapshot } from '../router/index.js';
import { deepEqual } from '../util/json-patch.js';
import { readStoredSpec, StateFormatError } from './annotations.js';

export type RerunVerdict = 'fresh' | 'already-promoted' | 'restart';

export class CanaryTrafficError extends Error {
  override readonly name = 'CanaryTrafficError';
}

const ROUTING_FIELDS = ['provider', 'target', 'stable', 'canary'] as const;

function routingPart(resource: unknown): Record<string, unknown> | undefined {
  const spec = (resource as { spec?: Record<string, unknown> } | undefined)?.spec;
  if (typeof spec !== 'object' || spec === null) return undefined;
  return Object.fromEntries(ROUTING_FIELDS.map((k) => [k, spec[k]]));
}

function storedRouting(snapshot: RouteSnapshot): Record<string, unknown> | undefined {
  try {
    return routingPart(readStoredSpec(snapshot.annotations));
  } catch (error) {
    if (error instanceof StateFormatError) return undefined;
    throw error;
  }
}

/** What a new `shift` of `resource` may do on this route; CanaryTrafficError when it must not start. */
export function rerunVerdict(snapshot: RouteSnapshot, resource: unknown, options: { restart: boolean; name: string; description: string }): RerunVerdict {
  const { weights } = snapshot;
  if (weights.canary === 0) return 'fresh';
  if (weights.share === 1 && !options.restart) {
    const stored = storedRouting(snapshot);
    if (stored && deepEqual(stored, routingPart(resource))) return 'already-promoted';
  }
  if (options.restart) return 'restart';
  throw new CanaryTrafficError(
    `${canaryTrafficMessage(options.description, weights.share)} (not a promotion of this same spec): ` +
      `refusing to start over it; tcpshift shift --restart starts again from stable (canary 0 first), tcpshift resume ${options.name} continues a shift kept on the route`,
  );
}

/** `VirtualService echo/echo already sends 30% of new connections to the canary`: shared by the CLI and the controller. */
export function canaryTrafficMessage(description: string, share: number): string {
  return `${description} already sends ${Math.round(share * 100)}% of new connections to the canary`;
}
