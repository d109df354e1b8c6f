/**
 * The controller's check of a TCPShift's probe destination against `--probe-allow`
 * (src/probe/allowlist.ts), before any connection: the host is resolved here, every address
 * checked, and the prober is then given the checked address instead of the name, so a DNS answer
 * that changes between the check and the connection (rebinding) cannot move it elsewhere.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { ProbeAllowlist } from '../probe/allowlist.js';
import type { HostPort } from '../spec/address.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { Clock } from '../util/clock.js';

/** The addresses a host name resolves to. */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export type ProbeAdmission = { ok: true; host: string } | { ok: false; message: string };

/** How long a host's addresses are reused: every reconcile checks, but 1,000 shifts refreshing their status every few seconds must not each ask DNS. */
export const RESOLVE_CACHE_MS = 30_000;

export class ProbeGuard {
  private readonly resolved = new Map<string, { ips: string[]; at: number }>();

  constructor(
    readonly allowlist: ProbeAllowlist,
    private readonly clock: Pick<Clock, 'monotonic'>,
    private readonly resolve: Resolve = systemResolve,
  ) {}

  /**
   * Admitted with the address to connect to, or refused with why. A name that does not resolve
   * throws (a retryable condition: the Service may not exist yet).
   */
  async admit(address: HostPort): Promise<ProbeAdmission> {
    const ips = net.isIP(address.host) !== 0 ? [address.host] : await this.lookup(address.host);
    const refusal = this.allowlist.refusal(address.host, ips);
    return refusal === undefined ? { ok: true, host: ips[0] as string } : { ok: false, message: refusal };
  }

  private async lookup(host: string): Promise<string[]> {
    const now = this.clock.monotonic();
    const cached = this.resolved.get(host);
    if (cached && now - cached.at < RESOLVE_CACHE_MS) return cached.ips;
    const ips = await this.resolve(host);
    this.resolved.set(host, { ips, at: now });
    return ips;
  }
}

/** The spec with its probe pointed at the checked address. */
export function pinnedSpec(spec: ResolvedSpec, host: string): ResolvedSpec {
  return { ...spec, probe: { ...spec.probe, address: { ...spec.probe.address, host } } };
}
