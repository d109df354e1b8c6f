import { isRecord } from './types.js';

/**
 * An approximation of Kubernetes' strategic merge patch for the built-in kinds, enough for
 * `kubectl apply`/`kubectl patch` on the manifests this project uses: maps merge, `null`
 * deletes, lists of objects with a known merge key (containers by name, ports by port or
 * containerPort, env by name, ...) merge by that key, `finalizers` merge as a set, other lists
 * are replaced. Directives understood: `$patch: replace|delete|merge`, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>` is accepted and ignored.
 * The real server derives merge keys from Go struct tags; this table holds the common ones.
 */
const mergeKeys: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};
const primitiveSetLists = new Set(['finalizers']);

function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === 'ports') return items.some((p) => isRecord(p) && 'containerPort' in p) ? 'containerPort' : 'port';
  const key = mergeKeys[field];
  return key ? key : undefined;
}

function mergeList(field: string, original: unknown, patch: unknown[]): unknown[] {
  const base: unknown[] = Array.isArray(original) ? (original as unknown[]) : [];
  if (primitiveSetLists.has(field)) return [...new Set([...base, ...patch])];
  const key = mergeKeyFor(field, [...base, ...patch]);
  if (!key) return patch.filter((p) => !(isRecord(p) && p.$patch === 'delete'));
  const out = base.map((x) => x);
  for (const item of patch) {
    if (!isRecord(item)) continue;
    const index = out.findIndex((x) => isRecord(x) && x[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
    } else if (item.$patch === 'replace') {
      const { $patch: _ignored, ...rest } = item;
      if (index >= 0) out[index] = rest;
      else out.push(rest);
    } else if (index >= 0) out[index] = strategicMerge(out[index], item);
    else out.push(strategicMerge({}, item));
  }
  return out;
}

export function strategicMerge(original: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  if (patch.$patch === 'delete') return undefined;
  const replace = patch.$patch === 'replace';
  const out: Record<string, unknown> = replace || !isRecord(original) ? {} : structuredClone(original);
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(v)) out[field] = current.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(k, out[k], v);
    else if (isRecord(v)) {
      const merged = strategicMerge(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}
