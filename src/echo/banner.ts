/**
 * The greeting a `--banner full` server sends on connect, shaped like the socat servers of the
 * examples (DESIGN section 3):
 *
 *   Sat Nov 21 10:54:00 UTC 2026
 *   Server: 10.0.0.5:9000
 *   Client: 10.0.0.9:53412
 *   Version: v2 (echo-v2-7d9f)
 *   <blank line>
 */
export interface BannerFields {
  /** Epoch milliseconds of the connect. */
  at: number;
  server: SocketAddress;
  client: SocketAddress;
  version: string;
  pod: string;
}

export interface SocketAddress {
  address: string;
  port: number;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function formatBanner(fields: BannerFields): string {
  return (
    `${formatDateLine(fields.at)}\n` +
    `Server: ${formatAddress(fields.server)}\n` +
    `Client: ${formatAddress(fields.client)}\n` +
    `Version: ${fields.version} (${fields.pod})\n` +
    '\n'
  );
}

/** date(1) in the C locale and UTC (`%a %b %e %H:%M:%S %Z %Y`): `Sun Nov  1 09:05:03 UTC 2026`. */
export function formatDateLine(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${time} UTC ${d.getUTCFullYear()}`;
}

/**
 * `ip:port`; an IPv4 client of a dual-stack listener shows as plain IPv4 (not `::ffff:a.b.c.d`),
 * and an IPv6 address is bracketed (`[::1]:9000`) so the port stays unambiguous.
 */
export function formatAddress({ address, port }: SocketAddress): string {
  const ip = address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
