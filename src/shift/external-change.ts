/**
 * Someone else changed the route while a step baked (an editor set 100/0, a pipeline re-applied
 * the manifests, another destination now carries traffic), pure. The step's measurements no
 * longer describe the step's weights, so it cannot pass: decide stops it as the spec says
 * (`spec.analysis.onExternalChange`): pause (the default: leave the route alone, stop for an
 * operator), rollback (to stable, a breach), or reassert (write the step's weights again and bake
 * the step afresh).
 */
import type { RouteObservation } from './decide.js';

export type ExternalChangeChoice = 'pause' | 'rollback' | 'reassert';

/** Why the route no longer carries the step's weights (stable 100 - W, canary W); undefined when it does. */
export function externalChange(route: RouteObservation, canaryWeight: number): string | undefined {
  if (route.refusal !== undefined) return `the route was changed by someone else and cannot be shifted any more: ${route.refusal}`;
  if (route.canaryWeight === canaryWeight && route.stableWeight === 100 - canaryWeight) return undefined;
  return (
    `the route's weights were changed by someone else: stable ${route.stableWeight} / canary ${route.canaryWeight} ` +
    `where this shift wrote stable ${100 - canaryWeight} / canary ${canaryWeight}`
  );
}

