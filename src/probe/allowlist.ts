import net from 'node:net';

/**
 * Where a shared controller may open probe connections (`tcpshift controller --probe-allow`).
 * A TCPShift's `probe.address` is written by whoever may create TCPShifts; without a bound the
 * controller would connect, from inside the cluster, wherever they point it. Entries, comma
 * separated:
 * - `10.0.0.0/8`, `fd00::/8`, `192.0.2.7`: addresses (CIDR or one IP);
 * - `namespace:NAME`: the Services of namespace NAME by DNS name (`svc.NAME`, `svc.NAME.svc`,
 *   `svc.NAME.svc.<cluster domain>`);
 * - `*.example.com`: host names under a suffix; `gw.example.com`: one host name;
 * - `*`: anywhere (no protection; for a single-tenant controller).
 * A host name must match a name entry, and every address it resolves to must then not be a
 * loopback, link-local (cloud metadata at 169.254.169.254) or unspecified address unless an
 * address entry allows it; a host matching no name entry is allowed only when every address it
 * resolves to is in an address entry. The caller connects to the addresses it checked, so DNS
 * cannot answer differently between the check and the connection (rebinding).
 */
export const DEFAULT_PROBE_ALLOW = 'namespace:istio-system';

export const PROBE_ALLOW_HELP = 'comma-separated CIDRs or IPs, namespace:NAME (its Services by DNS name), *.SUFFIX or HOST names, or * for anywhere';

export class ProbeAllowlist {
  private constructor(
    readonly text: string,
    private readonly addresses: net.BlockList,
    private readonly names: readonly ((host: string) => boolean)[],
    private readonly anywhere: boolean,
  ) {}

  /** Parse the flag's value; throws naming the entry that is not understood. */
  static parse(text: string): ProbeAllowlist {
    const addresses = new net.BlockList();
    const names: ((host: string) => boolean)[] = [];
    let anywhere = false;
    const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
    if (entries.length === 0) throw new Error(`'${text}' has no entry: ${PROBE_ALLOW_HELP}`);
    for (const entry of entries) {
      if (entry === '*') anywhere = true;
      else if (!addAddressEntry(addresses, entry)) names.push(nameEntry(entry));
    }
    return new ProbeAllowlist(entries.join(','), addresses, names, anywhere);
  }

  /** True when `host` (a name, not an IP) matches a name entry. */
  allowsName(host: string): boolean {
    const name = host.toLowerCase().replace(/\.$/, '');
    return this.anywhere || this.names.some((matches) => matches(name));
  }

  /** True when an address entry (or `*`) covers `ip`. */
  allowsAddress(ip: string): boolean {
    return this.anywhere || this.addresses.check(ip, familyOf(ip));
  }

  /**
   * Why `host` resolving to `ips` may not be probed, or undefined when it may. `host` may itself
   * be an IP (then `ips` is `[host]`).
   */
  refusal(host: string, ips: readonly string[]): string | undefined {
    if (ips.length === 0) return `${host} resolves to no address`;
    if (net.isIP(host) !== 0) return this.allowsAddress(host) ? undefined : `${host} is not in --probe-allow (${this.text})`;
    const byName = this.allowsName(host);
    const refused = ips.filter((ip) => !this.allowsAddress(ip) && (!byName || isSpecialAddress(ip)));
    if (refused.length === 0) return undefined;
    if (!byName) return `${host} (${refused.join(', ')}) is not in --probe-allow (${this.text})`;
    return `${host} resolves to ${refused.join(', ')}: a loopback, link-local or unspecified address, which --probe-allow (${this.text}) does not list`;
  }
}

function familyOf(ip: string): 'ipv4' | 'ipv6' {
  return net.isIPv6(ip) ? 'ipv6' : 'ipv4';
}

/** Adds a CIDR or IP entry; false when the entry is not an address. */
function addAddressEntry(list: net.BlockList, entry: string): boolean {
  const [ip, bits, ...rest] = entry.split('/');
  if (ip === undefined || net.isIP(ip) === 0 || rest.length > 0) return false;
  const family = familyOf(ip);
  if (bits === undefined) {
    list.addAddress(ip, family);
    return true;
  }
  const prefix = Number(bits);
  const max = family === 'ipv4' ? 32 : 128;
  if (!/^\d+$/.test(bits) || prefix > max) throw new Error(`'${entry}': the prefix length must be 0..${max}`);
  list.addSubnet(ip, prefix, family);
  return true;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const isHostName = (name: string): boolean => name.length <= 253 && name.split('.').every((l) => LABEL.test(l));

function nameEntry(entry: string): (host: string) => boolean {
  const lower = entry.toLowerCase();
  if (lower.startsWith('namespace:')) {
    const namespace = lower.slice('namespace:'.length);
    if (!LABEL.test(namespace)) throw new Error(`'${entry}': a namespace is a DNS-1123 label`);
    return (host) => isServiceOf(host, namespace);
  }
  if (lower.startsWith('*.')) {
    const suffix = lower.slice(1);
    if (!isHostName(suffix.slice(1))) throw new Error(`'${entry}' is not *.SUFFIX with a DNS suffix`);
    return (host) => host.endsWith(suffix) && host.length > suffix.length;
  }
  if (!isHostName(lower)) throw new Error(`'${entry}' is not understood: ${PROBE_ALLOW_HELP}`);
  return (host) => host === lower;
}

/** `svc.NS`, `svc.NS.svc` or `svc.NS.svc.<cluster domain>`. */
function isServiceOf(host: string, namespace: string): boolean {
  const labels = host.split('.');
  if (labels.length < 2 || labels[1] !== namespace || !labels.every((l) => LABEL.test(l))) return false;
  return labels.length === 2 || labels[2] === 'svc';
}

const SPECIAL = new net.BlockList();
SPECIAL.addSubnet('127.0.0.0', 8, 'ipv4');
SPECIAL.addSubnet('169.254.0.0', 16, 'ipv4');
SPECIAL.addSubnet('0.0.0.0', 8, 'ipv4');
SPECIAL.addAddress('::1', 'ipv6');
SPECIAL.addAddress('::', 'ipv6');
SPECIAL.addSubnet('fe80::', 10, 'ipv6');
SPECIAL.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
SPECIAL.addSubnet('::ffff:169.254.0.0', 112, 'ipv6');

/** Loopback, link-local (cloud metadata) and unspecified addresses: never reached through a name alone. */
function isSpecialAddress(ip: string): boolean {
  return SPECIAL.check(ip, familyOf(ip));
}
