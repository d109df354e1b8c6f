import { errors } from './api-error.js';
import type { KubeObject } from './types.js';

/**
 * Label selectors (`app=echo,version in (v1,v2),!canary,tier!=db`) and field selectors
 * (`metadata.name=echo,status.phase!=Running`) with the real server's semantics.
 */
export interface LabelRequirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | 'notexists' | 'gt' | 'lt';
  values: string[];
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

const keyPattern = /^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function checkKey(key: string, whole: string): string {
  if (!keyPattern.test(key)) throw errors.badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${whole}"`);
  return key;
}

function checkValue(value: string, whole: string): string {
  if (value.length > 63 || !valuePattern.test(value)) throw errors.badRequest(`unable to parse requirement: invalid label value "${value}" in selector "${whole}"`);
  return value;
}

function parseLabelRequirement(part: string, whole: string): LabelRequirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => checkValue(v.trim(), whole));
    return { key: checkKey(set[1] ?? '', whole), op: set[2] as 'in' | 'notin', values };
  }
  const cmp = /^([^!=<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
  if (cmp) {
    const key = checkKey(cmp[1] ?? '', whole);
    const value = checkValue((cmp[3] ?? '').trim(), whole);
    switch (cmp[2]) {
      case '!=':
        return { key, op: 'notin', values: [value] };
      case '>':
      case '<':
        if (!/^-?\d+$/.test(value)) throw errors.badRequest(`unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer in selector "${whole}"`);
        return { key, op: cmp[2] === '>' ? 'gt' : 'lt', values: [value] };
      default:
        return { key, op: 'in', values: [value] };
    }
  }
  if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), whole), op: 'notexists', values: [] };
  return { key: checkKey(part, whole), op: 'exists', values: [] };
}

export function parseLabelSelector(text: string): LabelRequirement[] {
  return splitTop(text).map((part) => parseLabelRequirement(part, text));
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  return requirements.every((r) => {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(value as string);
      case 'notin':
        return !has || !r.values.includes(value as string);
      case 'gt':
        return has && /^-?\d+$/.test(value as string) && Number(value) > Number(r.values[0]);
      case 'lt':
        return has && /^-?\d+$/.test(value as string) && Number(value) < Number(r.values[0]);
    }
  });
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  return splitTop(text).map((part) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    return { field: m[1] as string, op: m[2] === '!=' ? '!=' : '=', value: (m[3] ?? '').trim() };
  });
}

/** 400 `field label not supported: X` for a field the resource does not index. */
export function checkFieldLabels(requirements: readonly FieldRequirement[], supported: ReadonlySet<string>): void {
  for (const r of requirements) {
    if (!supported.has(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
  }
}

function fieldValue(object: KubeObject, field: string): string {
  let cur: unknown = object;
  for (const part of field.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  if (typeof cur === 'object' && field === 'source') {
    const component = (cur as Record<string, unknown>).component;
    return typeof component === 'string' ? component : '';
  }
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

export function matchesFields(requirements: readonly FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === (r.op === '='));
}
