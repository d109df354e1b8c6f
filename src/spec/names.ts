import { z } from 'zod';

/**
 * Kubernetes and Istio name formats, as zod string schemas whose messages say what is allowed.
 * The regular expressions are the ones of k8s.io/apimachinery (validation.IsDNS1123Label etc.).
 */
const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = `${LABEL}(\\.${LABEL})*`;

export const DNS1123_LABEL = new RegExp(`^${LABEL}$`);
export const DNS1123_SUBDOMAIN = new RegExp(`^${SUBDOMAIN}$`);
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** An Istio gateway reference in a VirtualService: `name`, `namespace/name` or `mesh`. */
export const ISTIO_GATEWAY_REF = new RegExp(`^(${LABEL}/)?${SUBDOMAIN}$`);

export function isDns1123Label(text: string): boolean {
  return text.length <= 63 && DNS1123_LABEL.test(text);
}

export function isDns1123Subdomain(text: string): boolean {
  return text.length <= 253 && DNS1123_SUBDOMAIN.test(text);
}

function nameString(kind: string, maxLength: number, format: RegExp, rule: string) {
  return z
    .string({ error: `must be a string (${kind})` })
    .max(maxLength, { error: `must be at most ${maxLength} characters (${kind})` })
    .regex(format, { error: `must be ${kind}: ${rule}` });
}

/** A DNS-1123 label: lower-case letters, digits and '-', at most 63, starting and ending alphanumeric. */
export const dns1123Label = nameString('a DNS-1123 label', 63, DNS1123_LABEL, "lower-case letters, digits and '-', starting and ending with a letter or digit");

/** A DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters (most object names). */
export const dns1123Subdomain = nameString(
  'a DNS-1123 subdomain',
  253,
  DNS1123_SUBDOMAIN,
  "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
);

/** A DNS-1035 label (Service names): like a DNS-1123 label but starting with a letter. */
export const dns1035Label = nameString('a Service name (DNS-1035 label)', 63, DNS1035_LABEL, "lower-case letters, digits and '-', starting with a letter");

/** A TCP port number. */
export const portNumber = z
  .number({ error: 'must be a port number (an integer in 1..65535)' })
  .int({ error: 'must be a port number (an integer in 1..65535)' })
  .min(1, { error: 'must be a port number (an integer in 1..65535)' })
  .max(65535, { error: 'must be a port number (an integer in 1..65535)' });

export function isPortNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}
