import { applyJsonPatch, type JsonPatchOp } from '../util/json-patch.js';
import { formatIssue, showValue, type SpecIssue } from './issues.js';
import { RoutingError } from './routing-error.js';

/**
 * The weight model both providers share. tcpshift writes stable = 100 - W and canary = W for a
 * canary weight W in 0..100; when it reads, it never assumes a sum of 100: the canary share is
 * canary / (sum of all weights of the route).
 */
export interface OwnedWeights {
  stable: number;
  canary: number;
}

export interface WeightReading extends OwnedWeights {
  /** Sum of the effective weights of every entry of the route. */
  total: number;
  /** canary / total, in [0, 1]. */
  share: number;
}

export const CANARY_WEIGHT_HELP = 'an integer in 0..100 (the canary percentage)';

export function isCanaryWeight(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100;
}

/** Canary weight W -> {stable: 100 - W, canary: W}. */
export function weightsForCanary(canaryWeight: number): OwnedWeights {
  if (!isCanaryWeight(canaryWeight)) throw new RangeError(`canary weight ${showValue(canaryWeight)} must be ${CANARY_WEIGHT_HELP}`);
  return { stable: 100 - canaryWeight, canary: canaryWeight };
}

/** The owned entries of one weighted list: Istio `route[]` destinations or Gateway API `backendRefs[]`. */
export interface WeightedList {
  /** JSON pointer of the array, e.g. /spec/tcp/0/route. */
  pointer: string;
  /** The same as a field path for messages, e.g. spec.tcp[0].route. */
  path: string;
  /** The current entries, as read. */
  entries: readonly unknown[];
  /** Effective weight of every entry (provider defaults applied). */
  weights: readonly number[];
  stableIndex: number | undefined;
  canaryIndex: number | undefined;
}

/** Owned weights and the canary share of a list; a list whose weights sum to 0 carries no traffic. */
export function readWeights(list: WeightedList): WeightReading {
  const total = list.weights.reduce((a, b) => a + b, 0);
  const stable = list.stableIndex === undefined ? 0 : (list.weights[list.stableIndex] ?? 0);
  const canary = list.canaryIndex === undefined ? 0 : (list.weights[list.canaryIndex] ?? 0);
  if (total <= 0) throw new RoutingError('the weights sum to 0: the route carries no traffic', list.path);
  return { stable, canary, total, share: canary / total };
}

/**
 * How the owned entries looked, to put them back: an entry tcpshift added is `null`; a present
 * one keeps its weight field, or has none (`{}`: the provider's default applied).
 */
export type EntryShape = { weight?: number } | null;
export interface RouteShape {
  stable: EntryShape;
  canary: EntryShape;
  /**
   * Strategy locality: the JSON pointer of the first object tcpshift creates to hold the weights
   * (e.g. /spec/trafficPolicy/loadBalancer/localityLbSetting), removed again on a restore;
   * absent when the distribute entry already existed.
   */
  created?: string;
  /** istio target.matchPorts: the shapes of the further routes shifted in lockstep, in match-port order. */
  lockstep?: RouteShape[];
}

function entryShape(list: WeightedList, index: number | undefined): EntryShape {
  if (index === undefined) return null;
  const weight = (list.entries[index] as { weight?: unknown } | undefined)?.weight;
  return typeof weight === 'number' ? { weight } : {};
}

/** The shape of the owned entries of a list (see RouteShape). */
export function readShape(list: WeightedList): RouteShape {
  return { stable: entryShape(list, list.stableIndex), canary: entryShape(list, list.canaryIndex) };
}

/** A `test` op that pins what identifies one entry (its destination, its backend name). */
export interface EntryIdentity {
  /** Pointer suffix inside the entry, e.g. '/destination' or '/name'. */
  suffix: string;
  value: unknown;
}

export interface WeightPatchRequest {
  /** 'VirtualService', 'TCPRoute': for messages. */
  kind: string;
  /** The object as read from the API (its metadata.resourceVersion guards the patch). */
  object: { metadata?: { resourceVersion?: unknown } };
  list: WeightedList;
  canaryWeight: number;
  identityOf(index: number): EntryIdentity;
  /** The entry to add (its weight is set to 0) when the list lacks the stable or canary one. */
  newEntry(role: keyof OwnedWeights): Record<string, unknown>;
  /** The provider's rules for a whole object; the patched object must pass them. */
  validate(patched: unknown): SpecIssue[];
  /**
   * With canary weight 0: the shape the owned entries had before the shift (canary 0 then), put
   * back instead of stable 100 / canary 0 (an added canary is removed, weight fields restored).
   */
  restore?: RouteShape;
}

function resourceVersionOf(request: WeightPatchRequest): string {
  const version = request.object.metadata?.resourceVersion;
  if (typeof version !== 'string' || version === '') {
    throw new RoutingError(`the ${request.kind} has no resourceVersion to guard the patch with`, 'metadata.resourceVersion');
  }
  return version;
}

/**
 * JSON Patch setting the owned weights only: `test` ops on metadata.resourceVersion and on the
 * identity of each owned entry at its index; a missing owned entry is first added with weight 0;
 * then each owned weight is set (`add`, which also creates an absent weight field). With canary
 * 0 and `restore`, the owned entries get back the shape they had before the shift instead. The
 * patched object is checked with the provider's rules before the patch is returned.
 */
export function weightPatch(request: WeightPatchRequest): JsonPatchOp[] {
  const restored = request.restore && request.canaryWeight === 0 ? restorePatch(request, request.restore) : undefined;
  return restored ?? setWeightsPatch(request);
}

/** The `test` ops that guard a patch: the resourceVersion and the identity of each owned entry. */
function guardOps(request: WeightPatchRequest): JsonPatchOp[] {
  const { list } = request;
  const ops: JsonPatchOp[] = [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersionOf(request) }];
  for (const index of [list.stableIndex, list.canaryIndex]) {
    if (index === undefined) continue;
    const identity = request.identityOf(index);
    ops.push({ op: 'test', path: `${list.pointer}/${index}${identity.suffix}`, value: identity.value });
  }
  return ops;
}

/** The op that gives a present entry its original weight field; none when it already has it. */
function weightFieldOp(list: WeightedList, index: number, shape: { weight?: number }): JsonPatchOp[] {
  const path = `${list.pointer}/${index}/weight`;
  const current = (list.entries[index] as { weight?: unknown }).weight;
  if (shape.weight === undefined) return current === undefined ? [] : [{ op: 'remove', path }];
  return current === shape.weight ? [] : [{ op: 'add', path, value: shape.weight }];
}

/**
 * Canary 0 as the route was before the shift: the stable entry gets its original weight field,
 * the canary entry its own, or is removed when tcpshift added it. Undefined when that cannot be
 * done (the stable entry is gone, or the result would be invalid): then stable 100 is written.
 */
function restorePatch(request: WeightPatchRequest, restore: RouteShape): JsonPatchOp[] | undefined {
  const { list } = request;
  if (list.stableIndex === undefined || restore.stable === null) return undefined;
  const ops = [...guardOps(request), ...weightFieldOp(list, list.stableIndex, restore.stable)];
  if (list.canaryIndex !== undefined) {
    ops.push(...(restore.canary === null ? [{ op: 'remove' as const, path: `${list.pointer}/${list.canaryIndex}` }] : weightFieldOp(list, list.canaryIndex, restore.canary)));
  }
  return request.validate(applyJsonPatch(request.object, ops)).length === 0 ? ops : undefined;
}

/** Stable 100 - W / canary W, a missing owned entry added first. */
function setWeightsPatch(request: WeightPatchRequest): JsonPatchOp[] {
  const { list } = request;
  const weights = weightsForCanary(request.canaryWeight);
  const ops = guardOps(request);
  const indices: Record<keyof OwnedWeights, number | undefined> = { stable: list.stableIndex, canary: list.canaryIndex };
  let length = list.entries.length;
  for (const role of ['stable', 'canary'] as const) {
    if (indices[role] !== undefined) continue;
    ops.push({ op: 'add', path: `${list.pointer}/${length}`, value: { ...request.newEntry(role), weight: 0 } });
    indices[role] = length++;
  }
  for (const role of ['stable', 'canary'] as const) {
    ops.push({ op: 'add', path: `${list.pointer}/${indices[role]}/weight`, value: weights[role] });
  }
  const problems = request.validate(applyJsonPatch(request.object, ops));
  if (problems.length > 0) {
    throw new RoutingError(`the patched ${request.kind} would be invalid: ${problems.map(formatIssue).join('; ')}`);
  }
  return ops;
}
