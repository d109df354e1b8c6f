import { compileExpectPattern } from './expect-pattern.js';
import type { Identify } from './identify.js';
import type { PathSegment } from './issues.js';
import { NEW_CONNECTIONS_ONLY, type ProbeProtocol, type ProbeTls, type ScriptStep } from './probe-protocol.js';

/** The parts of spec.probe the protocol rules look at (the CLI's flags build the same). */
export interface ProbeProtocolFields {
  protocol: ProbeProtocol;
  tls?: ProbeTls | undefined;
  identify: Identify;
  longLived: { connections: number };
}

/** A problem, with its path under spec.probe. */
export interface ProtocolIssue {
  path: PathSegment[];
  message: string;
}

const LOGIN_GRACE: Record<string, string> = {
  ssh: "sshd closes a connection that has not authenticated after LoginGraceTime (120 s by default; the probe never authenticates)",
  postgres: 'the server closes a connection that has not sent its startup packet after authentication_timeout (60 s by default)',
};

/**
 * Cross-field rules of spec.probe for protocols other than echo, as issues with paths relative to
 * spec.probe: ssh and postgres cannot hold long-lived connections; the identify mode must be able to
 * find a version in what the protocol receives (a `version` group in the opening script, a redis
 * command for a regex to read, TLS for a certificate) unless `needsVersion` is false (`tcpshift
 * probe` without --identify: connections are then counted without a version).
 */
export function probeProtocolIssues(probe: ProbeProtocolFields, needsVersion = true): ProtocolIssue[] {
  const { protocol, identify } = probe;
  const issues: ProtocolIssue[] = [];
  if (NEW_CONNECTIONS_ONLY.includes(protocol.name) && probe.longLived.connections > 0) {
    issues.push({ path: ['longLived', 'connections'], message: `must be 0 with protocol ${protocol.name}: ${LOGIN_GRACE[protocol.name] ?? ''}, so every long-lived probe would end closed; probe ${protocol.name} with new connections only` });
  }
  if (protocol.name === 'script' && probe.longLived.connections > 0 && protocol.heartbeat.length === 0) {
    issues.push({ path: ['protocol', 'heartbeat'], message: 'must have at least one step when longLived.connections > 0 (what each heartbeat sends and expects)' });
  }
  if (identify.mode === 'certificate' && probe.tls === undefined) {
    issues.push({ path: ['identify', 'mode'], message: 'certificate needs probe.tls (the certificate comes from the TLS handshake)' });
  }
  const identifyProblem = protocol.name === 'echo' || !needsVersion ? undefined : identifyProblemOf(protocol, identify);
  if (identifyProblem) issues.push(identifyProblem);
  return issues;
}

function identifyProblemOf(protocol: Exclude<ProbeProtocol, { name: 'echo' }>, identify: Identify): ProtocolIssue | undefined {
  if (identify.mode === 'certificate') return undefined;
  if (identify.mode === 'regex') {
    if (protocol.name === 'redis' && protocol.command === undefined) {
      return { path: ['protocol', 'command'], message: 'is required with identify mode regex: Redis sends nothing until asked, so give the command whose answer the pattern reads, e.g. INFO server' };
    }
    if (protocol.name === 'mqtt') return { path: ['identify', 'mode'], message: 'regex cannot read a version from an MQTT CONNACK (4 bytes); with protocol mqtt use probe.tls and identify {mode: certificate}' };
    return undefined;
  }
  if (protocol.name !== 'script') {
    return { path: ['identify', 'mode'], message: `${identify.mode} finds no version with protocol ${protocol.name}: ${presetHint(protocol.name)}` };
  }
  if (!protocol.open.some(namesVersion)) {
    return { path: ['protocol', 'open'], message: `needs an expect with a named group (?<version>...) for identify mode ${identify.mode} (or set identify {mode: regex, pattern: ...} over what the opening receives)` };
  }
  return undefined;
}

function namesVersion(step: ScriptStep): boolean {
  if (step.expect === undefined) return false;
  const compiled = compileExpectPattern(step.expect);
  return compiled.ok && compiled.namesVersion;
}

function presetHint(name: string): string {
  switch (name) {
    case 'redis':
      return 'set protocol.command (e.g. INFO server, or GET a key you seed per version) and identify {mode: regex, pattern: "redis_version:(?<version>\\\\S+)"}';
    case 'mqtt':
      return 'use probe.tls and identify {mode: certificate}';
    default:
      return 'set identify {mode: regex, pattern: ...} over what the server sends first (its greeting), or probe.tls with identify {mode: certificate}';
  }
}
