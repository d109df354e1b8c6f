import { compareVersions, servedVersions, type ResourceDef, type ResourceView } from './resource-def.js';
import { parseApiVersion } from './types.js';

export interface ServedGroup {
  name: string;
  /** Served versions, preferred first. */
  versions: string[];
}

/**
 * Which resources the emulator serves: built-ins plus whatever installed CRDs define. Discovery,
 * routing and kubectl's short names all read from here; `generation` moves on every change so
 * discovery answers can be cached.
 */
export class ResourceRegistry {
  private readonly defs = new Map<string, ResourceDef>();
  private readonly builtinGroups: string[] = [];
  generation = 0;

  define(def: ResourceDef): void {
    this.defs.set(`${def.group}/${def.plural}`, def);
    if (!def.custom && !this.builtinGroups.includes(def.group)) this.builtinGroups.push(def.group);
    this.generation++;
  }

  remove(group: string, plural: string): ResourceDef | undefined {
    const key = `${group}/${plural}`;
    const def = this.defs.get(key);
    this.defs.delete(key);
    this.generation++;
    return def;
  }

  get(group: string, plural: string): ResourceDef | undefined {
    return this.defs.get(`${group}/${plural}`);
  }

  all(): ResourceDef[] {
    return [...this.defs.values()];
  }

  /** The served version of a resource, as a request URL names it. */
  resolve(group: string, version: string, plural: string): ResourceView | undefined {
    const def = this.get(group, plural);
    const v = def?.versions.find((x) => x.name === version && x.served);
    return def && v ? { def, version: v } : undefined;
  }

  /** The served version of the resource of a kind, as an object's apiVersion/kind name it. */
  resolveKind(apiVersion: string, kind: string): ResourceView | undefined {
    const { group, version } = parseApiVersion(apiVersion);
    for (const def of this.defs.values()) {
      if (def.group !== group || def.kind !== kind) continue;
      const v = def.versions.find((x) => x.name === version && x.served);
      if (v) return { def, version: v };
    }
    return undefined;
  }

  /** Groups in discovery order: built-in groups first (core included, as ''), then custom ones by name. */
  groups(): ServedGroup[] {
    const byGroup = new Map<string, Set<string>>();
    for (const def of this.defs.values()) {
      const set = byGroup.get(def.group) ?? new Set<string>();
      for (const v of servedVersions(def)) set.add(v.name);
      byGroup.set(def.group, set);
    }
    const custom = [...byGroup.keys()].filter((g) => !this.builtinGroups.includes(g)).sort();
    return [...this.builtinGroups.filter((g) => byGroup.has(g)), ...custom].map((name) => ({
      name,
      versions: [...(byGroup.get(name) ?? [])].sort(compareVersions),
    }));
  }

  /** Every resource served at group/version. */
  resourcesAt(group: string, version: string): ResourceView[] {
    const out: ResourceView[] = [];
    for (const def of this.defs.values()) {
      if (def.group !== group) continue;
      const v = def.versions.find((x) => x.name === version && x.served);
      if (v) out.push({ def, version: v });
    }
    return out;
  }
}
