import type { PeerCertificate } from 'node:tls';
import type { CERTIFICATE_FIELDS } from '../../spec/identify.js';
import { compileVersionPattern, matchVersion } from '../../spec/version-pattern.js';
import type { CertificateNames, ServerGreeting } from '../identify.js';

/**
 * Identify mode certificate: the version from the server certificate a TLS probe connection saw,
 * its subject CN or one of its subjectAltName values (in the certificate's order), whole or the
 * `version` group of a pattern over it (the first value the pattern matches).
 */
export function certificateIdentifier(field: (typeof CERTIFICATE_FIELDS)[number], pattern: string | undefined): (greeting: ServerGreeting) => string | undefined {
  const compiled = pattern === undefined ? undefined : compileVersionPattern(pattern);
  if (compiled && !compiled.ok) throw new Error(`identify.pattern ${compiled.problem}`);
  return ({ certificate }) => {
    if (!certificate) return undefined;
    const values = field === 'SAN' ? certificate.san : certificate.subjectCN === undefined ? [] : [certificate.subjectCN];
    for (const value of values) {
      const version = compiled ? matchVersion(compiled.pattern, value) : value;
      if (version !== undefined) return version;
    }
    return undefined;
  };
}

/** The names of a peer certificate; undefined when there is none (not TLS, or no certificate). */
export function certificateNames(certificate: PeerCertificate | undefined): CertificateNames | undefined {
  if (!certificate || Object.keys(certificate).length === 0) return undefined;
  const cn = certificate.subject?.CN;
  const san = (certificate.subjectaltname ?? '')
    .split(', ')
    .filter((entry) => entry !== '')
    .map((entry) => entry.slice(entry.indexOf(':') + 1));
  return { subjectCN: Array.isArray(cn) ? cn[0] : cn, san };
}
