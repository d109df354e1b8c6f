import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import {
  bitString,
  booleanTrue,
  explicit,
  implicit,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.js';

/**
 * A self-signed ECDSA P-256 certificate for the emulator's TLS listener. kubectl (client-go) does
 * not send a bearer token over plain HTTP, so the emulator speaks HTTPS; the certificate is its
 * own CA (basicConstraints CA:TRUE) and is written into the kubeconfig as
 * certificate-authority-data, so clients verify it properly instead of skipping verification.
 */
export interface SelfSignedCert {
  /** PEM of the certificate (also the CA bundle clients trust). */
  certPem: string;
  /** PEM (PKCS#8) of the private key. */
  keyPem: string;
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  subjectAltName: '2.5.29.17',
};

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [booleanTrue()] : []), octetString(value));
}

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

function subjectAltNames(dnsNames: string[], ips: string[]): Buffer {
  return sequence(
    ...dnsNames.map((name) => implicit(2, Buffer.from(name, 'ascii'))),
    ...ips.map((ip) => implicit(7, ipv4Bytes(ip))),
  );
}

export interface CertOptions {
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  now?: Date;
  validDays?: number;
}

export function createSelfSignedCert(options: CertOptions = {}): SelfSignedCert {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now.getTime() + (options.validDays ?? 365) * 24 * 60 * 60 * 1000);
  const name = sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(options.commonName ?? 'tcpshift-apiserver'))));
  const algorithm = sequence(objectIdentifier(OID.ecdsaWithSha256));
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const digitalSignatureAndCertSign = bitString(Buffer.from([0x84]), 2);
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(
      3,
      sequence(
        extension(OID.basicConstraints, true, sequence(booleanTrue())),
        extension(OID.keyUsage, true, digitalSignatureAndCertSign),
        extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))),
        extension(OID.subjectAltName, false, subjectAltNames(options.dnsNames ?? ['localhost'], options.ipAddresses ?? ['127.0.0.1'])),
      ),
    ),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = sequence(tbs, algorithm, bitString(signature));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
