import type { KubeObject } from './types.js';

/** A column of a meta.k8s.io/v1 Table; `cell` computes the value from the (encoded) object. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority: number;
  cell(object: KubeObject, nowMs: number): unknown;
}

/** Converts between one served version's wire form and the shared storage form. */
export interface VersionCodec {
  toStorage(object: KubeObject): KubeObject;
  fromStorage(object: KubeObject): KubeObject;
}

export interface VersionDef {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  /** openAPIV3Schema of a CRD version; undefined for built-in kinds (not schema-validated). */
  schema?: Record<string, unknown>;
  /** Table columns after Name; undefined means the default (Age). */
  columns?: TableColumn[];
  statusSubresource: boolean;
  /** Extra field-selector labels (CRD selectableFields, e.g. `spec.provider`). */
  selectableFields?: string[];
  /** A built-in version whose fields differ from the storage version's (autoscaling/v1 HPAs). */
  codec?: VersionCodec;
}

/** Hooks of a built-in kind's strategy (what the real registry does on create). */
export interface ResourceStrategy {
  /** Defaults applied on every write (create and update), e.g. a Service port's protocol. */
  defaults?(object: KubeObject): void;
  /** Fill server-set fields on create, e.g. a Service's clusterIP or a Namespace's phase. */
  prepareCreate?(object: KubeObject): void;
}

export interface ResourceDef {
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  versions: VersionDef[];
  /** Field-selector labels beyond metadata.name and metadata.namespace. */
  fieldLabels: string[];
  /** metadata.generation is kept and bumped on spec changes. */
  tracksGeneration: boolean;
  /** PUT without metadata.resourceVersion is accepted (otherwise 422, as for custom resources). */
  allowUnconditionalUpdate: boolean;
  /** Defined by a CustomResourceDefinition (not built in). */
  custom: boolean;
  strategy?: ResourceStrategy;
  /** Stored with another resource and converted, as events.k8s.io Events share core Events. */
  sharedStorage?: { group: string; plural: string; codec: VersionCodec };
}

/** A served version of a resource, as addressed by a request. */
export interface ResourceView {
  def: ResourceDef;
  version: VersionDef;
}

export function storageKey(def: ResourceDef): string {
  return def.sharedStorage ? `${def.sharedStorage.group}/${def.sharedStorage.plural}` : `${def.group}/${def.plural}`;
}

export function storageVersion(def: ResourceDef): VersionDef {
  return def.versions.find((v) => v.storage) ?? (def.versions[0] as VersionDef);
}

/** Kube-aware version order: GA before beta before alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1). */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0, v];
    const stability = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stability, -Number(m[1]), -Number(m[3] ?? 0), v];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < 3; i++) {
    const d = (ra[i] as number) - (rb[i] as number);
    if (d !== 0) return d;
  }
  return ra[3].localeCompare(rb[3]);
}

export function servedVersions(def: ResourceDef): VersionDef[] {
  return def.versions.filter((v) => v.served).sort((a, b) => compareVersions(a.name, b.name));
}
