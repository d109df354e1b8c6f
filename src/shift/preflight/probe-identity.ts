/**
 * The probe half of the pre-flight: a few connections through spec.probe.address before the
 * first weight write. A refusing address is named with the chain checks that passed (so the
 * operator looks at the address, not the route); answers the identify mode cannot read are named
 * with the mode that fits them; answers from the canary while the route sends it nothing mean the
 * probe does not go through this route.
 */
import { canaryVersionOf, describeGreeting, formatAddress, formatIdentify, readGreeting, suggestIdentify, type GreetingResult } from '../../probe/index.js';
import { portProbeSpecs, type PortProbeSpec } from '../../spec/probe-ports.js';
import type { ResolvedSpec } from '../../spec/resolved-shift.js';
import type { Clock } from '../../util/clock.js';
import { PreflightError, type PassedChecks } from './preflight-error.js';

/** Connections the pre-flight opens (at once). */
export const PREFLIGHT_PROBES = 3;

export interface ProbeIdentityOptions {
  /** The route sends the canary nothing now: every answer must be the stable version. */
  stableOnly: boolean;
  /** The chain checks that passed, for the message when the address fails. */
  passed: PassedChecks;
}

function stableVersionOf(spec: ResolvedSpec): string | undefined {
  return spec.probe.identify.mode === 'prefix' ? spec.probe.identify.stable : undefined;
}

function verdict(spec: ResolvedSpec, matchPort: number | undefined, results: readonly GreetingResult[], options: ProbeIdentityOptions): void {
  const object = `probe address ${formatAddress(spec.probe.address)}${matchPort === undefined ? '' : ` (match port ${matchPort})`}`;
  const failed = results.find((r) => r.kind === 'failed');
  if (failed?.kind === 'failed' && failed.failure.received !== undefined) {
    const { detail, received } = failed.failure;
    throw new PreflightError(object, 'spec.probe.protocol', `the server does not answer as protocol ${spec.probe.protocol.name} expects: ${detail}; it sent ${received}`, 'point probe.address at the service, or fix probe.protocol (its steps, its command) and probe.identify to what this server speaks', 'ProbeProtocolMismatch');
  }
  if (failed) {
    const checked = options.passed.length ? `the routing chain checked out (${options.passed.join('; ')})` : 'nothing else was checked';
    throw new PreflightError(object, 'spec.probe.address', `${failed.failure.kind}: ${failed.failure.detail}`, `${checked}: look at the probe address (spec.probe.address, --probe-address, a port-forward), not the route`, 'ProbeUnreachable');
  }
  const unidentified = results.find((r) => r.kind === 'unidentified');
  if (unidentified) {
    const suggestion = suggestIdentify(unidentified.greeting);
    const fix = suggestion ? `set probe.identify ${suggestion}` : 'set probe.identify {mode: regex, pattern: ...} with a named group (?<version>...) that finds the version in these answers';
    throw new PreflightError(object, 'spec.probe.identify', `answers look like ${describeGreeting(unidentified.greeting)}: identify mode ${formatIdentify(spec.probe.identify)} finds no version in them`, fix, 'ProbeUnidentified');
  }
  if (!options.stableOnly) return;
  const canary = canaryVersionOf(spec.probe.identify);
  const stable = stableVersionOf(spec);
  const wrong = results.find((r) => r.kind === 'identified' && (r.version === canary || (stable !== undefined && r.version !== stable)));
  if (wrong?.kind === 'identified') {
    throw new PreflightError(object, 'spec.probe.address', `answered as version ${wrong.version} while the route sends the canary nothing`, 'the probe address does not reach this route (another gateway or port?), or the identify mode names versions differently', 'ProbeNotStable');
  }
}

/**
 * Probe PREFLIGHT_PROBES connections (through each match port's address, with
 * target.matchPorts); throws a PreflightError when they do not identify as they must.
 */
export async function checkProbeIdentity(spec: ResolvedSpec, clock: Clock, options: ProbeIdentityOptions): Promise<void> {
  for (const port of portProbeSpecs(spec)) await checkPortProbes(port, clock, options);
}

async function checkPortProbes({ spec, matchPort }: PortProbeSpec, clock: Clock, options: ProbeIdentityOptions): Promise<void> {
  const { protocol, tls } = spec.probe;
  const greetingOptions = { address: spec.probe.address, identify: spec.probe.identify, protocol, tls, heartbeatMs: spec.probe.longLived.heartbeatMs, connectTimeoutMs: spec.probe.connectTimeoutMs, replyTimeoutMs: spec.probe.longLived.timeoutMs, clock };
  const results = await Promise.all(Array.from({ length: PREFLIGHT_PROBES }, (_, i) => readGreeting(greetingOptions, `preflight-${i + 1}`)));
  verdict(spec, matchPort, results, options);
}
