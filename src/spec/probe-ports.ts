import type { ResolvedSpec } from './resolved-shift.js';

/** The spec as one match port's probes see it: probe.address is that port's address. */
export interface PortProbeSpec {
  /** undefined for a single-route shift (the spec as is). */
  matchPort: number | undefined;
  spec: ResolvedSpec;
}

/**
 * One probe spec per match port of an istio target.matchPorts shift (probe.ports), else the spec
 * itself: each port gets its own long-lived connections, new-connection sampling and pre-flight
 * probes through its own address.
 */
export function portProbeSpecs(spec: ResolvedSpec): PortProbeSpec[] {
  const ports = spec.probe.ports;
  if (!ports) return [{ matchPort: undefined, spec }];
  return ports.map(({ matchPort, address }) => {
    const { ports: _all, ...probe } = spec.probe;
    return { matchPort, spec: { ...spec, probe: { ...probe, address } } };
  });
}
