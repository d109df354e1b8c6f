import { isRecord } from './types.js';

/**
 * An approximation of server-side apply (`application/apply-patch+yaml`): the applied
 * configuration is merged into the live object (maps recursively, lists replaced whole), and
 * fields this field manager applied last time but no longer applies are removed. Ownership
 * conflicts between managers are not detected and managedFields are not kept: the last applier
 * wins, as with `--force-conflicts`.
 */
function mergeApplied(live: unknown, applied: unknown): unknown {
  if (!isRecord(applied) || !isRecord(live)) return structuredClone(applied);
  const out: Record<string, unknown> = structuredClone(live);
  for (const [k, v] of Object.entries(applied)) {
    out[k] = v === null ? null : mergeApplied(out[k], v);
    if (v === null) delete out[k];
  }
  return out;
}

function removeDropped(target: Record<string, unknown>, previous: Record<string, unknown>, applied: Record<string, unknown>): void {
  for (const [k, old] of Object.entries(previous)) {
    if (!(k in applied)) delete target[k];
    else {
      const next = applied[k];
      const cur = target[k];
      if (isRecord(old) && isRecord(next) && isRecord(cur)) removeDropped(cur, old, next);
    }
  }
}

export function applyConfiguration(live: Record<string, unknown>, applied: Record<string, unknown>, previouslyApplied?: Record<string, unknown>): Record<string, unknown> {
  const merged = mergeApplied(live, applied) as Record<string, unknown>;
  if (previouslyApplied) {
    const { metadata: oldMeta, ...oldRest } = previouslyApplied;
    const { metadata: newMeta, ...newRest } = applied;
    removeDropped(merged, oldRest, newRest);
    const meta = merged.metadata;
    if (isRecord(meta) && isRecord(oldMeta) && isRecord(newMeta)) {
      for (const field of ['labels', 'annotations']) {
        const target = meta[field];
        if (isRecord(target) && isRecord(oldMeta[field])) {
          removeDropped(target, oldMeta[field], isRecord(newMeta[field]) ? newMeta[field] : {});
          if (Object.keys(target).length === 0) delete meta[field];
        }
      }
    }
  }
  return merged;
}
