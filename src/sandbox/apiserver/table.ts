import { evaluateJsonPath } from './jsonpath.js';
import type { ResourceView, TableColumn } from './resource-def.js';
import type { KubeObject } from './types.js';

/** k8s.io/apimachinery duration.HumanDuration: 45s, 5m30s, 3h10m, 2d4h, 1y20d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${days / 365}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

export function ageOf(timestamp: unknown, nowMs: number): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  return humanDuration(nowMs - Date.parse(timestamp));
}

export const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.',
  priority: 0,
  cell: (o) => o.metadata.name,
};

export const ageColumn: TableColumn = {
  name: 'Age',
  type: 'date',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (o, now) => ageOf(o.metadata.creationTimestamp, now),
};

/** A column computed from a JSONPath, as CRD additionalPrinterColumns are. */
export function pathColumn(
  name: string,
  jsonPath: string,
  type: TableColumn['type'] = 'string',
  options: { description?: string; priority?: number; format?: string } = {},
): TableColumn {
  return {
    name,
    type,
    ...(options.format ? { format: options.format } : {}),
    description: options.description ?? '',
    priority: options.priority ?? 0,
    cell(o, now) {
      const found = evaluateJsonPath(o, jsonPath);
      if (found.length === 0 || found[0] === undefined || found[0] === null) return null;
      const value = found[0];
      if (type === 'date') return ageOf(value, now);
      if (type === 'string') return typeof value === 'string' ? value : JSON.stringify(value);
      return value;
    },
  };
}

export function columnsOf(view: ResourceView): TableColumn[] {
  return [nameColumn, ...(view.version.columns ?? [ageColumn])];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRow {
  cells: unknown[];
  object?: Record<string, unknown>;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: Array<Omit<TableColumn, 'cell'>>;
  rows: TableRow[];
}

function rowObject(object: KubeObject, include: IncludeObject): Record<string, unknown> | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export function tableRow(columns: TableColumn[], object: KubeObject, include: IncludeObject, nowMs: number): TableRow {
  const obj = rowObject(object, include);
  return { cells: columns.map((c) => c.cell(object, nowMs)), ...(obj ? { object: obj } : {}) };
}

export function toTable(
  view: ResourceView,
  objects: KubeObject[],
  options: { include: IncludeObject; noHeaders?: boolean; tableApiVersion: string; nowMs: number; metadata: Table['metadata'] },
): Table {
  const columns = columnsOf(view);
  return {
    kind: 'Table',
    apiVersion: options.tableApiVersion,
    metadata: options.metadata,
    columnDefinitions: options.noHeaders ? [] : columns.map(({ name, type, format, description, priority }) => ({ name, type, ...(format ? { format } : {}), description, priority })),
    rows: objects.map((o) => tableRow(columns, o, options.include, options.nowMs)),
  };
}
