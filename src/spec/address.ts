import { isPortNumber } from './names.js';

/** A TCP endpoint: host name or IP (IPv6 without brackets) and port. */
export interface HostPort {
  host: string;
  port: number;
}

/** Parse `HOST:PORT` or `[IPV6]:PORT`; undefined when it is not one. */
export function parseHostPort(text: string): HostPort | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (!/^\d+$/.test(portText)) return undefined;
  const port = Number(portText);
  if (!isPortNumber(port)) return undefined;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':')) return undefined; // an IPv6 address needs brackets
  if (host === '' || /[\s/[\]]/.test(host)) return undefined;
  return { host, port };
}

export const HOST_PORT_HELP = 'HOST:PORT (or [IPV6]:PORT) with a port in 1..65535';
