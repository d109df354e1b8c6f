/**
 * Strategy `locality` (issue 14), pure: the shift's weights live in the DestinationRule's
 * `spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0]` (`from: "*"`, `to`: locality
 * -> percent). istiod turns it into the EDS `load_balancing_weight` of each LocalityLbEndpoints
 * (pilot/pkg/networking/core/loadbalancer/loadbalancer.go `applyLocalityWeights`: the first
 * distribute entry whose `from` matches the proxy's locality wins; endpoints of a locality not
 * listed in `to` are dropped), so the gateway's listener and cluster stay as they are and
 * established connections survive every step. Validation follows istiod's
 * `validateLocalityLbSetting` (pkg/config/validation): `to` values are integers 1..100 summing to
 * exactly 100 (a 0 % locality is left out) and `distribute` excludes `failover`.
 */
import type { ResolvedIstioSpec } from '../spec/resolved-shift.js';
import { RoutingError } from '../spec/routing-error.js';
import { weightsForCanary, type RouteShape, type WeightReading } from '../spec/weighted-route.js';
import { isPlainObject } from '../spec/strict-object.js';
import { pointer, type JsonPatchOp } from '../util/json-patch.js';
import type { DestinationRule } from './types.js';

/** The containers from spec down to distribute[0], each created by tcpshift when absent. */
const CONTAINERS = ['trafficPolicy', 'loadBalancer', 'localityLbSetting', 'distribute'] as const;
export const DISTRIBUTE_PATH = 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute';
const DISTRIBUTE_POINTER = pointer('spec', ...CONTAINERS);

type Owned = Pick<ResolvedIstioSpec, 'stable' | 'canary'>;

/** The distribute entry tcpshift owns, or undefined when the DR has none yet; RoutingError when it is not one tcpshift can own. */
export function ownedDistribute(dr: DestinationRule, spec: Owned): Record<string, unknown> | undefined {
  const setting = localityLbSettingOf(dr);
  const distribute = setting?.distribute;
  if (distribute === undefined) return undefined;
  if (!Array.isArray(distribute)) throw new RoutingError('must be a list', DISTRIBUTE_PATH);
  if (distribute.length === 0) return undefined;
  if (distribute.length > 1) throw new RoutingError(`has ${distribute.length} entries; tcpshift owns a single entry with from: "*"`, DISTRIBUTE_PATH);
  const entry: unknown = distribute[0];
  if (!isPlainObject(entry) || entry.from !== '*') throw new RoutingError('must have from: "*" (every gateway locality gets the same weights)', `${DISTRIBUTE_PATH}[0].from`);
  const to = entry.to ?? {};
  if (!isPlainObject(to)) throw new RoutingError('must be a map of locality to percent', `${DISTRIBUTE_PATH}[0].to`);
  const owned = [spec.stable.locality, spec.canary.locality];
  const other = Object.keys(to).find((key) => !owned.includes(key));
  if (other !== undefined) {
    throw new RoutingError(`names locality ${other}, neither stable (${spec.stable.locality}) nor canary (${spec.canary.locality}): it would lose its traffic at the first step`, `${DISTRIBUTE_PATH}[0].to`);
  }
  return entry;
}

/** The DR's top-level localityLbSetting, if any (what tcpshift writes into). */
export function localityLbSettingOf(dr: DestinationRule): Record<string, unknown> | undefined {
  let node: unknown = dr.spec;
  for (const key of CONTAINERS.slice(0, 3)) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return isPlainObject(node) ? node : undefined;
}

/**
 * The weights of the distribute entry. Without one, tcpshift reads stable 100 / canary 0 (its
 * first write pins that; until then the host's traffic is spread over every endpoint).
 */
export function readLocalityWeights(dr: DestinationRule, spec: Owned): WeightReading {
  const entry = ownedDistribute(dr, spec);
  if (entry === undefined) return { stable: 100, canary: 0, total: 100, share: 0 };
  const to = (entry.to ?? {}) as Record<string, unknown>;
  const value = (key: string): number => (typeof to[key] === 'number' ? (to[key]) : 0);
  const stable = value(spec.stable.locality);
  const canary = value(spec.canary.locality);
  const total = stable + canary;
  if (total <= 0) throw new RoutingError('gives no locality any traffic', `${DISTRIBUTE_PATH}[0].to`);
  return { stable, canary, total, share: canary / total };
}

/** Which of the owned localities are listed, and which container tcpshift would create. */
export function readLocalityShape(dr: DestinationRule, spec: Owned): RouteShape {
  const entry = ownedDistribute(dr, spec);
  if (entry === undefined) return { stable: null, canary: null, created: firstAbsent(dr).pointer };
  const to = (entry.to ?? {}) as Record<string, unknown>;
  const shape = (key: string) => (typeof to[key] === 'number' ? { weight: to[key] } : null);
  return { stable: shape(spec.stable.locality), canary: shape(spec.canary.locality) };
}

/** The `to` map of canary weight W: integers summing to 100, a zero share left out (istiod refuses 0). */
export function distributeTo(spec: Owned, canaryWeight: number): Record<string, number> {
  const weights = weightsForCanary(canaryWeight);
  const to: Record<string, number> = {};
  if (weights.stable > 0) to[spec.stable.locality] = weights.stable;
  if (weights.canary > 0) to[spec.canary.locality] = weights.canary;
  return to;
}

/** The first absent container on the way to distribute[0] and the value that creates everything below it. */
function firstAbsent(dr: DestinationRule, to: Record<string, number> = {}): { pointer: string; value: unknown } {
  let node: unknown = dr.spec;
  const path: string[] = ['spec'];
  for (const [i, key] of CONTAINERS.entries()) {
    const next = (node as Record<string, unknown>)[key];
    if (next === undefined || (key === 'distribute' && Array.isArray(next) && next.length === 0)) {
      const inner = key === 'distribute' && Array.isArray(next) ? { at: [...path, key, '0'], value: { from: '*', to } } : { at: [...path, key], value: nest(CONTAINERS.slice(i + 1), to) };
      return { pointer: pointer(...inner.at), value: inner.value };
    }
    if (!isPlainObject(next) && key !== 'distribute') throw new RoutingError('must be an object', ['spec', ...CONTAINERS.slice(0, i + 1)].join('.'));
    node = next;
    path.push(key);
  }
  throw new RoutingError('already exists', DISTRIBUTE_PATH);
}

/** The value of `containers[0]` holding distribute [{from: '*', to}] below it; the list itself when none is left. */
function nest(containers: readonly string[], to: Record<string, number>): unknown {
  const [head, ...rest] = containers;
  if (head === undefined) return [{ from: '*', to }];
  return { [head]: nest(rest, to) };
}

/** istiod's rules for the localityLbSetting tcpshift writes (validateLocalityLbSetting). */
export function localityProblems(setting: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const distribute = setting.distribute;
  if (Array.isArray(distribute) && distribute.length > 0 && Array.isArray(setting.failover) && setting.failover.length > 0) {
    problems.push('localityLbSetting: distribute and failover cannot both be set (istiod rejects it)');
  }
  for (const [i, entry] of (Array.isArray(distribute) ? distribute : []).entries()) {
    const to = isPlainObject(entry) && isPlainObject(entry.to) ? entry.to : {};
    const values = Object.values(to);
    if (values.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 100)) problems.push(`distribute[${i}].to: every value must be an integer in 1..100`);
    else if (values.reduce<number>((a, b) => a + (b as number), 0) !== 100) problems.push(`distribute[${i}].to: the values must sum to 100`);
  }
  return problems;
}

/**
 * The JSON Patch of one step: a `test` of metadata.resourceVersion (and of distribute[0].from),
 * then the whole `to` map replaced, or the missing containers created the first time. With canary
 * 0 and a `restore` shape that records a created container, that container is removed instead, so
 * the DestinationRule comes back as it was. Nothing else of the DR changes.
 */
export function localityWeightPatch(dr: DestinationRule, spec: Owned, canaryWeight: number, restore?: RouteShape): JsonPatchOp[] {
  const version = dr.metadata.resourceVersion;
  if (typeof version !== 'string' || version === '') throw new RoutingError('the DestinationRule has no resourceVersion to guard the patch with', 'metadata.resourceVersion');
  const guard: JsonPatchOp = { op: 'test', path: '/metadata/resourceVersion', value: version };
  const entry = ownedDistribute(dr, spec);
  const to = distributeTo(spec, canaryWeight);
  if (entry === undefined) {
    // Nothing to restore: the DR has no distribute entry (any more).
    if (restore?.created !== undefined && canaryWeight === 0) return [];
    const absent = firstAbsent(dr, to);
    return [guard, { op: 'add', path: absent.pointer, value: absent.value }];
  }
  const entryPointer = `${DISTRIBUTE_POINTER}/0`;
  const from: JsonPatchOp = { op: 'test', path: `${entryPointer}/from`, value: '*' };
  if (restore?.created !== undefined && canaryWeight === 0 && removable(dr, restore.created)) return [guard, from, { op: 'remove', path: restore.created }];
  const problems = localityProblems({ ...localityLbSettingOf(dr), distribute: [{ from: '*', to }] });
  if (problems.length > 0) throw new RoutingError(`the patched DestinationRule would be invalid: ${problems.join('; ')}`);
  return [guard, from, { op: 'add', path: `${entryPointer}/to`, value: to }];
}

/**
 * Whether removing the container tcpshift created takes nothing of the user's with it: inside it
 * there is only the path down to distribute, one entry, and that entry's from/to.
 */
function removable(dr: DestinationRule, created: string): boolean {
  const depth = created.split('/').length - 2; // the tokens after /spec
  let node: unknown = dr.spec;
  for (const [i, key] of CONTAINERS.entries()) {
    if (!isPlainObject(node)) return false;
    if (i >= depth && Object.keys(node).length !== 1) return false;
    node = node[key];
  }
  if (!Array.isArray(node) || node.length !== 1) return false;
  const entry: unknown = node[0];
  return isPlainObject(entry) && Object.keys(entry).every((k) => k === 'from' || k === 'to');
}
