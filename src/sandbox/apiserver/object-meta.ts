import { randomInt } from 'node:crypto';
import { invalid, required, type FieldError } from './field-errors.js';
import type { ObjectMeta } from './types.js';

/** ObjectMeta rules the real server enforces on every kind: names, generateName, labels. */
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

export type NameRule = 'subdomain' | 'label';

export function validateName(name: string, rule: NameRule): FieldError[] {
  if (rule === 'label') {
    if (name.length > 63) return [invalid('metadata.name', name, 'must be no more than 63 characters')];
    return dns1123Label.test(name) ? [] : [invalid('metadata.name', name, LABEL_MSG)];
  }
  if (name.length > 253) return [invalid('metadata.name', name, 'must be no more than 253 characters')];
  return dns1123Subdomain.test(name) ? [] : [invalid('metadata.name', name, SUBDOMAIN_MSG)];
}

function validateLabelKey(key: string, field: string): FieldError[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if ((slash >= 0 && !dns1123Subdomain.test(prefix)) || name.length > 63 || !labelName.test(name)) {
    return [invalid(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")];
  }
  return [];
}

export function validateMeta(meta: ObjectMeta, rule: NameRule): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta.name) errs.push(required('metadata.name', 'name or generateName is required'));
  else errs.push(...validateName(meta.name, rule));
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    errs.push(...validateLabelKey(k, 'metadata.labels'));
    if (typeof v !== 'string' || v.length > 63 || !labelValue.test(v)) {
      errs.push(invalid('metadata.labels', v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
    }
  }
  for (const k of Object.keys(meta.annotations ?? {})) errs.push(...validateLabelKey(k, 'metadata.annotations'));
  return errs;
}

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + 5 random characters, from the same alphabet as the real name generator. */
export function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += nameAlphabet[randomInt(nameAlphabet.length)];
  return prefix + suffix;
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
