import { forbidden, invalid, required, type FieldError } from './field-errors.js';
import type { ResourceDef, TableColumn, VersionDef } from './resource-def.js';
import { pathColumn } from './table.js';
import { isRecord, type KubeObject } from './types.js';

/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1): the CRD resource itself, the checks the
 * real server makes on a CRD that matter here, the status it reports (NamesAccepted,
 * Established), and the ResourceDef a CRD turns into.
 */
export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_PLURAL = 'customresourcedefinitions';

export function crdResourceDef(): ResourceDef {
  return {
    group: CRD_GROUP,
    plural: CRD_PLURAL,
    singular: 'customresourcedefinition',
    kind: 'CustomResourceDefinition',
    listKind: 'CustomResourceDefinitionList',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        statusSubresource: true,
        columns: [pathColumn('Created At', '.metadata.creationTimestamp', 'string', { description: 'Creation time' })],
      },
    ],
    fieldLabels: [],
    tracksGeneration: true,
    allowUnconditionalUpdate: true,
    custom: false,
  };
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function versionsOf(crd: KubeObject): Array<Record<string, unknown>> {
  const versions = rec(crd.spec).versions;
  return Array.isArray(versions) ? versions.filter(isRecord) : [];
}

/** The field errors the real server would report for this CRD (the subset that matters here). */
export function validateCrd(crd: KubeObject): FieldError[] {
  const spec = rec(crd.spec);
  const names = rec(spec.names);
  const errs: FieldError[] = [];
  if (!str(spec.group)) errs.push(required('spec.group'));
  if (!str(names.plural)) errs.push(required('spec.names.plural'));
  if (!str(names.kind)) errs.push(required('spec.names.kind'));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errs.push({ type: 'FieldValueNotSupported', field: 'spec.scope', badValue: spec.scope ?? '', detail: 'supported values: "Cluster", "Namespaced"' });
  }
  const expectedName = `${str(names.plural)}.${str(spec.group)}`;
  if (crd.metadata.name !== expectedName) errs.push(invalid('metadata.name', crd.metadata.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  const versions = versionsOf(crd);
  if (versions.length === 0) errs.push(invalid('spec.versions', [], 'must have exactly one version marked as storage version'));
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    errs.push(invalid('spec.versions', versions.length, 'must have exactly one version marked as storage version'));
  }
  versions.forEach((v, i) => {
    if (!isRecord(rec(v.schema).openAPIV3Schema)) errs.push(required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
  });
  return errs;
}

/** Forbid changes the real server forbids on update (scope and group are immutable). */
export function validateCrdUpdate(next: KubeObject, previous: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (rec(next.spec).scope !== rec(previous.spec).scope) errs.push(forbidden('spec.scope', 'field is immutable'));
  if (rec(next.spec).group !== rec(previous.spec).group) errs.push(forbidden('spec.group', 'field is immutable'));
  return errs;
}

/** Server-side defaults and status of an accepted CRD. */
export function establishCrd(crd: KubeObject, nowIso: string): void {
  const spec = rec(crd.spec);
  const names = { ...rec(spec.names) };
  names.singular ??= str(names.kind).toLowerCase();
  names.listKind ??= `${str(names.kind)}List`;
  crd.spec = { ...spec, names, conversion: spec.conversion ?? { strategy: 'None' } };
  const previous = rec(crd.status);
  const stored = new Set<string>(Array.isArray(previous.storedVersions) ? previous.storedVersions.map(String) : []);
  for (const v of versionsOf(crd)) if (v.storage === true) stored.add(str(v.name));
  const since = (type: string): string => {
    const old = (Array.isArray(previous.conditions) ? previous.conditions : []).map(rec).find((c) => c.type === type);
    return str(old?.lastTransitionTime) || nowIso;
  };
  crd.status = {
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: since('NamesAccepted'), reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: since('Established'), reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    acceptedNames: names,
    storedVersions: [...stored],
  };
}

function printerColumns(version: Record<string, unknown>): TableColumn[] | undefined {
  const columns = version.additionalPrinterColumns;
  if (!Array.isArray(columns) || columns.length === 0) return undefined;
  return columns.filter(isRecord).map((c) =>
    pathColumn(str(c.name), str(c.jsonPath), (str(c.type) || 'string') as TableColumn['type'], {
      description: str(c.description),
      priority: typeof c.priority === 'number' ? c.priority : 0,
      ...(str(c.format) ? { format: str(c.format) } : {}),
    }),
  );
}

function versionDef(v: Record<string, unknown>): VersionDef {
  const columns = printerColumns(v);
  const selectable = Array.isArray(v.selectableFields) ? v.selectableFields.map((f) => str(rec(f).jsonPath).replace(/^\./, '')) : [];
  return {
    name: str(v.name),
    served: v.served !== false,
    storage: v.storage === true,
    ...(v.deprecated === true ? { deprecated: true } : {}),
    ...(typeof v.deprecationWarning === 'string' ? { deprecationWarning: v.deprecationWarning } : {}),
    schema: rec(rec(v.schema).openAPIV3Schema),
    ...(columns ? { columns } : {}),
    statusSubresource: isRecord(rec(v.subresources).status),
    selectableFields: selectable,
  };
}

export function resourceDefFromCrd(crd: KubeObject): ResourceDef {
  const spec = rec(crd.spec);
  const names = rec(spec.names);
  const kind = str(names.kind);
  return {
    group: str(spec.group),
    plural: str(names.plural),
    singular: str(names.singular) || kind.toLowerCase(),
    kind,
    listKind: str(names.listKind) || `${kind}List`,
    namespaced: spec.scope === 'Namespaced',
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
    categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
    versions: versionsOf(crd).map(versionDef),
    fieldLabels: [],
    tracksGeneration: true,
    allowUnconditionalUpdate: false,
    custom: true,
  };
}
