import { formatPath, type PathSegment, type SpecIssue } from '../spec/issues.js';
import { isPlainObject } from '../spec/strict-object.js';

/**
 * istiod's webhook rules for a DestinationRule's locality load balancing, in istiod's words:
 * pkg/config/validation/validation.go `validateLoadBalancer` (one of localityLbSetting and
 * zoneAwareLbSetting) and pkg/config/validation/agent/validation.go `ValidateLocalityLbSetting`
 * (distribute and failover exclusive; each `to` value in 1..100 and their sum exactly 100;
 * `validateLocalities` on the `to` keys and the `from` values; failover regions) applied to every
 * traffic policy of the rule (top level, port level, each subset's). The CRD schema checks none of
 * them, and managed control planes may not run the webhook, so tcpshift checks before writing.
 */
type Json = Record<string, unknown>;
const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

const entries = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** `validateLocalities`: at most one `*`, at the end; no empty part; none overlapping an earlier one (same nesting of region, zone, subzone). */
export function localitiesProblem(localities: readonly string[]): string | undefined {
  const regions = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !locality.endsWith('*'))) return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    const overlap = `locality ${locality} overlap with previous specified ones`;
    if (regions.has('*')) return overlap;
    const parts = locality.split('/');
    const [region = '', zone = '', subzone = ''] = parts.length > 3 ? [parts[0], parts[1], parts.slice(2).join('/')] : parts;
    if (parts.some((p) => p === '')) return `locality ${locality} must not contain empty region/zone/subzone info`;
    const zones = regions.get(region);
    if (parts.length === 1) {
      if (zones) return overlap;
      regions.set(region, new Map([['*', new Set(['*'])]]));
    } else if (zones?.has('*')) return overlap;
    else if (parts.length === 2) {
      if (zones?.has(zone)) return overlap;
      regions.set(region, (zones ?? new Map<string, Set<string>>()).set(zone, new Set(['*'])));
    } else {
      const subzones = zones?.get(zone);
      if (subzones?.has('*') || subzones?.has(subzone)) return overlap;
      regions.set(region, (zones ?? new Map<string, Set<string>>()).set(zone, (subzones ?? new Set<string>()).add(subzone)));
    }
  }
  return undefined;
}

function distributeProblem(distribute: readonly unknown[]): string | undefined {
  for (const entry of distribute) {
    const to = isPlainObject(entry) && isPlainObject(entry.to) ? entry.to : {};
    let total = 0;
    for (const weight of Object.values(to)) {
      if (typeof weight !== 'number' || weight <= 0 || weight > 100) return 'locality weight must be in range [1, 100]';
      total += weight;
    }
    if (total !== 100) return `total locality weight ${total} != 100`;
    const destinations = localitiesProblem(Object.keys(to));
    if (destinations) return destinations;
  }
  return localitiesProblem(distribute.map((d) => (isPlainObject(d) && typeof d.from === 'string' ? d.from : '')));
}

function failoverProblem(failover: readonly unknown[]): string | undefined {
  for (const entry of failover) {
    const from = isPlainObject(entry) && typeof entry.from === 'string' ? entry.from : '';
    const to = isPlainObject(entry) && typeof entry.to === 'string' ? entry.to : '';
    if (from === to) return 'locality lb failover settings must specify different regions';
    if (from.includes('/') || to.includes('/')) return 'locality lb failover only specify region';
    if (from.includes('*') || to.includes('*')) return "locality lb failover region should not contain '*' wildcard";
  }
  return undefined;
}

/** ValidateLocalityLbSetting's errors (its warning about outlier detection is left out). */
export function localityLbSettingProblem(setting: Json): string | undefined {
  const distribute = entries(setting.distribute);
  const failover = entries(setting.failover);
  if (distribute.length > 0 && failover.length > 0) return "can not simultaneously specify 'distribute' and 'failover'";
  const topology = failover.length > 0 ? entries(setting.failoverPriority).find((l) => typeof l === 'string' && TOPOLOGY_LABELS.includes(l)) : undefined;
  if (typeof topology === 'string') return `can not simultaneously set 'failover' and topology label '${topology}' in 'failover_priority'`;
  return distributeProblem(distribute) ?? failoverProblem(failover);
}

function loadBalancerIssues(out: SpecIssue[], path: readonly PathSegment[], policy: unknown): void {
  const lb = isPlainObject(policy) ? policy.loadBalancer : undefined;
  if (!isPlainObject(lb)) return;
  const at = formatPath([...path, 'loadBalancer']);
  if (lb.localityLbSetting !== undefined && lb.zoneAwareLbSetting !== undefined) out.push({ path: at, message: 'only one of localityLbSetting and zoneAwareLbSetting can be set' });
  const problem = isPlainObject(lb.localityLbSetting) ? localityLbSettingProblem(lb.localityLbSetting) : undefined;
  if (problem) out.push({ path: `${at}.localityLbSetting`, message: problem });
}

function trafficPolicyIssues(out: SpecIssue[], path: readonly PathSegment[], policy: unknown): void {
  if (!isPlainObject(policy)) return;
  loadBalancerIssues(out, path, policy);
  entries(policy.portLevelSettings).forEach((p, i) => loadBalancerIssues(out, [...path, 'portLevelSettings', i], p));
}

/** Every locality load-balancing rule violation of a DestinationRule, with its field path. */
export function validateDestinationRuleLocality(rule: unknown): SpecIssue[] {
  const out: SpecIssue[] = [];
  const spec = isPlainObject(rule) && isPlainObject(rule.spec) ? rule.spec : {};
  trafficPolicyIssues(out, ['spec', 'trafficPolicy'], spec.trafficPolicy);
  entries(spec.subsets).forEach((s, i) => trafficPolicyIssues(out, ['spec', 'subsets', i, 'trafficPolicy'], isPlainObject(s) ? s.trafficPolicy : undefined));
  return out;
}
