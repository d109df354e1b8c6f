import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCert } from '../../../src/sandbox/apiserver/self-signed-cert.js';

describe('self-signed certificate', () => {
  it('is a CA that signed itself, valid now, for 127.0.0.1 and localhost, with the matching key', () => {
    const { certPem, keyPem } = createSelfSignedCert({ validDays: 30 });
    const cert = new X509Certificate(certPem);
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('example.com')).toBeUndefined();
    expect(Date.parse(cert.validFrom)).toBeLessThan(Date.now());
    expect(Date.parse(cert.validTo)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    expect(Buffer.compare(fromKey, cert.publicKey.export({ type: 'spki', format: 'der' }))).toBe(0);
  });

  it('uses GeneralizedTime past 2049', () => {
    const cert = new X509Certificate(createSelfSignedCert({ now: new Date(Date.UTC(2061, 0, 1)) }).certPem);
    expect(new Date(cert.validTo).getUTCFullYear()).toBe(2062);
  });
});
