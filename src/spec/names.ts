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

/** A DNS-1123 label: lower-case letters, digits and '-', at most 63, starting and ending alphanumeric. */
export const dns1123Label = z
  .string({ error: 'must be a string (a DNS-1123 label)' })
  .max(63, { error: 'must be at most 63 characters (a DNS-1123 label)' })
  .regex(DNS1123_LABEL, {
    error: "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
  });

/** A DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters (most object names). */
export const dns1123Subdomain = z
  .string({ error: 'must be a string (a DNS-1123 subdomain)' })
  .max(253, { error: 'must be at most 253 characters (a DNS-1123 subdomain)' })
  .regex(DNS1123_SUBDOMAIN, {
    error: "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
  });

/** A DNS-1035 label (Service names): like a DNS-1123 label but starting with a letter. */
export const dns1035Label = z
  .string({ error: 'must be a string (a Service name)' })
  .max(63, { error: 'must be at most 63 characters (a Service name is a DNS-1035 label)' })
  .regex(DNS1035_LABEL, {
    error: "must be a DNS-1035 label (a Service name): lower-case letters, digits and '-', starting with a letter",
  });

/** A TCP port number. */
export const portNumber = z
  .number({ error: 'must be a port number (an integer in 1..65535)' })
  .int({ error: 'must be a port number (an integer in 1..65535)' })
  .min(1, { error: 'must be a port number (an integer in 1..65535)' })
  .max(65535, { error: 'must be a port number (an integer in 1..65535)' });

export function isPortNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}
