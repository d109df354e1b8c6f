import { ApiError, errors } from './api-error.js';
import { encode } from './codec.js';
import type { ObjectStore } from './object-store.js';
import { storageKey, type ResourceView } from './resource-def.js';
import {
  checkFieldLabels,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldRequirement,
  type LabelRequirement,
} from './selectors.js';
import type { KubeObject } from './types.js';

/**
 * List semantics: label/field selectors, `limit`/`continue` paging over a consistent snapshot
 * (the store rebuilds the state at the first page's resourceVersion from its history),
 * `resourceVersionMatch=Exact`, and 410 Gone when the snapshot is older than the kept history.
 */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Selection {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue value from the response.';

export function parseSelection(view: ResourceView, labelSelector?: string, fieldSelector?: string): Selection {
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : [];
  const supported = new Set(['metadata.name', 'metadata.namespace', ...view.def.fieldLabels, ...(view.version.selectableFields ?? [])]);
  checkFieldLabels(fields, supported);
  return { labels: labelSelector ? parseLabelSelector(labelSelector) : [], fields };
}

export function selects(selection: Selection, object: KubeObject): boolean {
  return matchesLabels(selection.labels, object.metadata.labels) && matchesFields(selection.fields, object);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'tcpshift/v1', rv: token.rv, start: token.start })).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { v?: unknown; rv?: unknown; start?: unknown };
    if (t.v === 'tcpshift/v1' && typeof t.rv === 'number' && typeof t.start === 'string') return { rv: t.rv, start: t.start };
  } catch {
    // fall through
  }
  throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export function parseResourceVersion(text: string): number {
  if (!/^\d+$/.test(text)) throw errors.badRequest(`invalid resource version "${text}"`);
  return Number(text);
}

function tooLarge(rv: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${rv}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

function sortedEntries(state: Map<string, KubeObject>, namespace: string | undefined): Array<[string, KubeObject]> {
  const prefix = namespace === undefined ? undefined : `${namespace}/`;
  return [...state.entries()].filter(([k]) => prefix === undefined || k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Which state to list: the current one, or an exact past snapshot (continue / Exact). */
function chooseState(store: ObjectStore, resource: string, namespace: string | undefined, options: ListOptions): { rv: number; entries: Array<[string, KubeObject]>; start?: string } {
  const current = store.revision();
  if (options.continue) {
    const token = decodeContinue(options.continue);
    const snapshot = store.snapshotAt(resource, token.rv);
    if (!snapshot) throw errors.expired(CONTINUE_EXPIRED);
    return { rv: token.rv, entries: sortedEntries(snapshot, namespace), start: token.start };
  }
  const asked = options.resourceVersion ? parseResourceVersion(options.resourceVersion) : undefined;
  if (asked !== undefined && asked > current) throw tooLarge(asked, current);
  if (options.resourceVersionMatch === 'Exact' && asked !== undefined) {
    const snapshot = store.snapshotAt(resource, asked);
    if (!snapshot) throw errors.expired(`too old resource version: ${asked} (${store.compactedRevision(resource)})`);
    return { rv: asked, entries: sortedEntries(snapshot, namespace) };
  }
  return { rv: current, entries: store.list(resource, namespace) };
}

export function listObjects(store: ObjectStore, view: ResourceView, namespace: string | undefined, options: ListOptions): ListResult {
  const selection = parseSelection(view, options.labelSelector, options.fieldSelector);
  const { rv, entries, start } = chooseState(store, storageKey(view.def), namespace, options);
  const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  const items: KubeObject[] = [];
  let lastKey = '';
  let i = 0;
  for (; i < entries.length && items.length < limit; i++) {
    const [key, stored] = entries[i] as [string, KubeObject];
    if (start !== undefined && key <= start) continue;
    const object = encode(view, stored);
    if (!selects(selection, object)) continue;
    items.push(object);
    lastKey = key;
  }
  const more = entries.slice(i).some(([key, stored]) => (start === undefined || key > start) && selects(selection, encode(view, stored)));
  const noSelectors = selection.labels.length === 0 && selection.fields.length === 0;
  return {
    items,
    resourceVersion: String(rv),
    ...(more ? { continue: encodeContinue({ rv, start: lastKey }) } : {}),
    ...(more && noSelectors ? { remainingItemCount: entries.slice(i).length } : {}),
  };
}
