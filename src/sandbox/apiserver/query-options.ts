import { errors } from './api-error.js';
import type { DeleteOptions, WriteOptions } from './api-core.js';
import type { ListOptions } from './list-query.js';
import type { IncludeObject } from './table.js';
import { isRecord } from './types.js';

/** Query parameters of the API (and DeleteOptions bodies), checked as the real server checks them. */
function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

function int(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  return Number(v);
}

function str(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === '' ? undefined : v;
}

function dryRun(values: string[]): boolean {
  for (const v of values) if (v !== 'All') throw errors.badRequest(`Invalid dry run value: ${JSON.stringify(v)}: supported values: "All"`);
  return values.length > 0;
}

export function writeOptions(q: URLSearchParams): WriteOptions {
  const fv = str(q, 'fieldValidation');
  if (fv !== undefined && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(fv)}: supported values: "Ignore", "Strict", "Warn"`);
  }
  const manager = str(q, 'fieldManager');
  return {
    dryRun: dryRun(q.getAll('dryRun')),
    ...(fv ? { fieldValidation: fv } : {}),
    ...(manager ? { fieldManager: manager } : {}),
  };
}

export function listOptions(q: URLSearchParams): ListOptions {
  const out: ListOptions = {};
  const label = str(q, 'labelSelector');
  const field = str(q, 'fieldSelector');
  const limit = int(q, 'limit');
  const cont = str(q, 'continue');
  const rv = str(q, 'resourceVersion');
  const match = str(q, 'resourceVersionMatch');
  if (label) out.labelSelector = label;
  if (field) out.fieldSelector = field;
  if (limit !== undefined) out.limit = limit;
  if (cont) out.continue = cont;
  if (rv) out.resourceVersion = rv;
  if (match) {
    if (match !== 'Exact' && match !== 'NotOlderThan') throw errors.badRequest(`resourceVersionMatch: Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan"`);
    if (!rv) throw errors.badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    out.resourceVersionMatch = match;
  }
  return out;
}

export function watchParams(q: URLSearchParams): { allowWatchBookmarks: boolean; timeoutSeconds?: number; sendInitialEvents: boolean } {
  const timeout = int(q, 'timeoutSeconds');
  return { allowWatchBookmarks: bool(q, 'allowWatchBookmarks'), sendInitialEvents: bool(q, 'sendInitialEvents'), ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}) };
}

export function includeObject(q: URLSearchParams): IncludeObject {
  const v = str(q, 'includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw errors.badRequest(`includeObject: Unsupported value: ${JSON.stringify(v)}`);
  return v;
}

export function isWatch(q: URLSearchParams): boolean {
  return bool(q, 'watch');
}

export function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const out: DeleteOptions = { dryRun: dryRun(q.getAll('dryRun')) };
  if (isRecord(body)) {
    if (Array.isArray(body.dryRun)) out.dryRun = dryRun(body.dryRun.map(String));
    const pre = body.preconditions;
    if (isRecord(pre)) {
      out.preconditions = {
        ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
        ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
      };
    }
  }
  return out;
}
