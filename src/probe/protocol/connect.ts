import net from 'node:net';
import tls from 'node:tls';
import type { ProbeTls } from '../../spec/probe-protocol.js';
import type { ProbeAddress } from '../address.js';
import type { CertificateNames } from '../identify.js';
import { certificateNames } from './certificate-identity.js';

/** TLS settings of a probe connection (spec.probe.tls), shared by every connection. */
export type TlsSettings = Pick<tls.ConnectionOptions, 'servername' | 'ca' | 'rejectUnauthorized'>;

export function tlsSettings(spec: ProbeTls | undefined, host: string): TlsSettings | undefined {
  if (!spec) return undefined;
  const servername = spec.serverName ?? (net.isIP(host) === 0 ? host : undefined);
  return { ...(servername === undefined ? {} : { servername }), ...(spec.ca === undefined ? {} : { ca: spec.ca }), rejectUnauthorized: !spec.insecureSkipVerify };
}

/**
 * A probe socket: plain TCP, or TLS over it (the handshake starts at once; `secureConnect` says it
 * is done). Both emit `connect` when TCP is up.
 */
export function connectSocket(address: ProbeAddress, settings: TlsSettings | undefined): net.Socket {
  if (!settings) return net.connect({ host: address.host, port: address.port, noDelay: true });
  const socket = tls.connect({ host: address.host, port: address.port, ...settings });
  socket.setNoDelay(true);
  return socket;
}

/** The server certificate's names on a TLS socket; undefined on plain TCP. */
export function peerCertificate(socket: net.Socket): CertificateNames | undefined {
  return socket instanceof tls.TLSSocket ? certificateNames(socket.getPeerCertificate()) : undefined;
}

/** OpenSSL and Node codes of a failed TLS handshake or certificate check. */
const TLS_FAILURE = /^ERR_SSL|^ERR_TLS|CERT|SIGNATURE|ISSUER|SELF_SIGNED|ALTNAME|DEPTH_ZERO/;

/**
 * How a socket error ends a probe connection: before TCP connected, refused (timeout for
 * ETIMEDOUT); a TLS handshake or certificate failure is corrupt (the server's answer is not what
 * the probe accepts); any other error after connecting is a reset.
 */
export function socketErrorKind(err: NodeJS.ErrnoException, connected: boolean): 'refused' | 'timeout' | 'corrupt' | 'reset' {
  const code = err.code ?? err.message;
  if (TLS_FAILURE.test(code)) return 'corrupt';
  if (!connected) return code === 'ETIMEDOUT' ? 'timeout' : 'refused';
  return 'reset';
}
