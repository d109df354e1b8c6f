/** Where to probe: a TCP host and port. */
export interface ProbeAddress {
  host: string;
  port: number;
}

/**
 * Parse `HOST:PORT` (`[::1]:9000` for IPv6). Throws an Error whose message says what is wrong;
 * callers add the flag or field name.
 */
export function parseAddress(text: string): ProbeAddress {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]\s]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`'${text}' is not HOST:PORT (for IPv6, [ADDR]:PORT)`);
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port ${m[2]} is not in 1-65535`);
  return { host: m[1] as string, port };
}

export function formatAddress(address: ProbeAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
