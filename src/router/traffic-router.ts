/**
 * The narrow interface the shift engine routes through (Flagger's TrafficRouter, one
 * implementation per provider): read the owned weights, and write a change (the canary weight,
 * tcpshift's own annotations and labels) as ONE JSON Patch guarded by `test` ops. Weights are
 * patched in place (Argo Rollouts style): every other field of the object survives.
 */
import type { KubeObject } from '../kube/index.js';
import type { Clock } from '../util/clock.js';
import type { RouteShape, WeightReading } from '../spec/weighted-route.js';

/** The object that carries the weights (and tcpshift's annotations): DestinationRule under strategy locality. */
export type RouteKind = 'VirtualService' | 'TCPRoute' | 'DestinationRule';

export interface RouteSnapshot {
  /** The object as read, or as returned by the last write. */
  object: KubeObject;
  /** Owned weights and the canary share (canary / sum of the route's weights). */
  weights: WeightReading;
  /** The owned entries' shape (which exist, which have a weight field): what a rollback puts back. */
  shape: RouteShape;
  /**
   * tcpshift's annotations of THIS route under their plain names (`tcpshift.io/state`), whatever
   * the stored layout (src/router/route-annotations.ts), with every other annotation of the object.
   */
  annotations: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>;
  resourceVersion: string;
  /**
   * Only from update(): the route cannot be shifted any more (the RoutingError's message; weights
   * then read 0). Metadata-only changes still go through, so tcpshift can record why it stopped;
   * a weight change throws the RoutingError.
   */
  refusal?: string;
}

/** Metadata entries to set (a string) or remove (null). */
export type MetadataChanges = Record<string, string | null>;

export interface RouteChange {
  /** Owned weights to stable 100 - W / canary W; nothing when undefined or already so. */
  canaryWeight?: number;
  /**
   * With canary weight 0: put the owned entries back in this shape (taken before the shift's
   * first write) rather than writing stable 100 / canary 0; an entry tcpshift added is removed.
   */
  restore?: RouteShape;
  /** Plain names for tcpshift's per-route annotations; they are stored under the route's keys. */
  annotations?: MetadataChanges;
  labels?: MetadataChanges;
}

export interface UpdateOptions {
  /** Compute the first attempt from this snapshot instead of reading (saves a round trip). */
  basis?: RouteSnapshot;
  /** Attempts in all on conflicts (409, failed `test` 422). Default 10. */
  maxAttempts?: number;
}

export interface UpdateResult {
  snapshot: RouteSnapshot;
  /** false when the change asked for nothing the object did not already have. */
  written: boolean;
  /** Attempts made (1 + re-reads after conflicts). */
  attempts: number;
}

export interface TrafficRouter {
  /** `VirtualService echo/echo`, for messages. */
  readonly description: string;
  readonly kind: RouteKind;
  readonly name: string;
  readonly namespace: string;
  read(): Promise<RouteSnapshot>;
  /** The snapshot of an object of this route (from a watch event, say). */
  snapshot(object: KubeObject): RouteSnapshot;
  /** The annotations of an object as this route sees them (RouteSnapshot.annotations), without reading weights. */
  annotationsOf(object: KubeObject): Readonly<Record<string, string>>;
  /**
   * Compute a change from the current object and write it in one JSON Patch; on a conflict (409)
   * or a failed `test` (422 after the object moved) read again and recompute, so a concurrent
   * editor's fields survive. `change` returns undefined for "nothing to do" and may throw to
   * give up (the error propagates). RoutingError when the route is not one tcpshift can shift.
   */
  update(change: (current: RouteSnapshot) => RouteChange | undefined, options?: UpdateOptions): Promise<UpdateResult>;
  /** Throws the RoutingError a write of this weight would meet (nothing is written). */
  validateWeight(snapshot: RouteSnapshot, canaryWeight: number): void;
  /** Set the canary weight (stable 100 - W) and nothing else. */
  setCanaryWeight(canaryWeight: number, options?: UpdateOptions): Promise<UpdateResult>;
  /**
   * Follow the object (list + watch, resumed after drops): `onObject` gets every version,
   * undefined when it is deleted. Resolves once the first read is in; the result stops it.
   */
  watch(onObject: (object: KubeObject | undefined) => void, options?: { clock?: Clock }): Promise<() => Promise<void>>;
}
