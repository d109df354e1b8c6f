import { HOST_PORT_HELP, parseHostPort, type HostPort } from '../spec/address.js';

/** Where to probe: a TCP host and port (the spec's HostPort). */
export type ProbeAddress = HostPort;

/** Parse `HOST:PORT` (`[::1]:9000` for IPv6); throws with what is allowed. */
export function parseAddress(text: string): ProbeAddress {
  const address = parseHostPort(text);
  if (!address) throw new Error(`'${text}' is not ${HOST_PORT_HELP}`);
  return address;
}

export function formatAddress(address: ProbeAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
