import { isIP } from 'node:net';
import { parseDuration, DURATION_HELP, MAX_DURATION_MS } from '../util/duration.js';
import { ECHO_DEFAULTS, type EchoServerOptions } from './options.js';

/**
 * tcpshift-echo's flags as the command line gives them (strings, unparsed), with the env
 * fallbacks of DESIGN section 3: PORT, VERSION, POD_NAME, PREFIX, NC_MAX_IDLE (seconds).
 * Flags win over the environment; an empty variable counts as unset.
 */
export interface EchoFlags {
  port?: string;
  host?: string;
  version?: string;
  pod?: string;
  prefix?: string;
  banner?: string;
  idleTimeout?: string;
  healthPort?: string;
  drainGrace?: string;
  udp?: boolean;
  maxConnections?: string;
  maxLineBytes?: string;
  logFormat?: string;
  parentPid?: string;
  ephemeralPorts?: boolean;
}

export type LogFormat = 'text' | 'json';

export interface EchoSettings {
  /** Everything but the logger and the clock, which the caller wires. */
  server: EchoServerOptions;
  logFormat: LogFormat;
  /** Exit when this process is gone (a supervisor such as the sandbox that may be SIGKILLed). */
  parentPid: number | undefined;
}

/** A flag or variable with a bad value; the message names it and says what is allowed. */
export class EchoSettingError extends Error {
  override readonly name = 'EchoSettingError';
}

/** One raw value and the name to blame for it (`--port` or `PORT`). */
interface Raw {
  text: string;
  name: string;
}

/**
 * `positional` is Istio's tcp-echo-server form, `<port[,port...]> <prefix>` (samples/tcp-echo/src/main.go):
 * those ports and that prefix, no banner, no health server unless `--health-port` asks for one, and
 * the version (metrics label) VERSION or else the prefix.
 */
export function resolveEchoSettings(flags: EchoFlags, env: NodeJS.ProcessEnv, hostname: string, positional: readonly string[] = []): EchoSettings {
  const istio = istioForm(flags, positional);
  const port = istio?.port ?? pick(flags.port, '--port', env, 'PORT');
  const prefix = istio?.prefix ?? pick(flags.prefix, '--prefix', env, 'PREFIX');
  const version = pick(flags.version, '--version', env, 'VERSION') ?? (istio && { text: istio.prefix.text, name: 'the prefix argument' });
  const pod = pick(flags.pod, '--pod', env, 'POD_NAME');
  const idle = pick(flags.idleTimeout, '--idle-timeout', env, 'NC_MAX_IDLE');
  return {
    server: {
      ports: port ? parsePorts(port) : [ECHO_DEFAULTS.port],
      ...(flags.host !== undefined && { host: parseHost({ text: flags.host, name: '--host' }) }),
      version: version ? parseWord(version) : missingVersion(),
      pod: pod ? parseWord(pod) : hostname,
      prefix: prefix ? parsePrefix(prefix) : undefined,
      banner: parseChoice(flags.banner, '--banner', ['full', 'none'] as const, istio ? 'none' : ECHO_DEFAULTS.banner),
      idleTimeoutMs: idle ? parseSecondsOrDuration(idle) : ECHO_DEFAULTS.idleTimeoutMs,
      healthPort: healthPortOf(flags, istio !== undefined),
      ephemeralPorts: flags.ephemeralPorts === true,
      drainGraceMs: flags.drainGrace === undefined ? ECHO_DEFAULTS.drainGraceMs : parseDurationFlag({ text: flags.drainGrace, name: '--drain-grace' }),
      udp: flags.udp === true,
      maxConnections: parseCount(flags.maxConnections, '--max-connections', 0, ECHO_DEFAULTS.maxConnections),
      maxLineBytes: parseCount(flags.maxLineBytes, '--max-line-bytes', 1, ECHO_DEFAULTS.maxLineBytes),
    },
    logFormat: parseChoice(flags.logFormat, '--log-format', ['text', 'json'] as const, 'text'),
    parentPid: flags.parentPid === undefined ? undefined : parseCount(flags.parentPid, '--parent-pid', 1, 0),
  };
}

/** The positional arguments of Istio's tcp-echo-server, which stand for --port and --prefix. */
function istioForm(flags: EchoFlags, positional: readonly string[]): { port: Raw; prefix: Raw } | undefined {
  if (positional.length === 0) return undefined;
  if (positional.length !== 2) {
    throw new EchoSettingError(`expected no arguments, or two as Istio's tcp-echo-server takes them (<port[,port...]> <prefix>, e.g. 9000,9001 one), got ${positional.length}: ${positional.join(' ')}`);
  }
  if (flags.port !== undefined || flags.prefix !== undefined) throw new EchoSettingError('give the ports and the prefix either as arguments (<port[,port...]> <prefix>) or as --port/--prefix, not both');
  return { port: { text: positional[0] as string, name: 'the ports argument' }, prefix: { text: positional[1] as string, name: 'the prefix argument' } };
}

function healthPortOf(flags: EchoFlags, istioForm: boolean): number | null {
  if (flags.healthPort !== undefined) return parsePort({ text: flags.healthPort, name: '--health-port' });
  return istioForm ? null : ECHO_DEFAULTS.healthPort;
}

function pick(flag: string | undefined, flagName: string, env: NodeJS.ProcessEnv, envName: string): Raw | undefined {
  if (flag !== undefined) return { text: flag, name: flagName };
  const value = env[envName];
  return value === undefined || value === '' ? undefined : { text: value, name: envName };
}

function fail(raw: Raw, allowed: string): never {
  throw new EchoSettingError(`${raw.name}: '${raw.text}' is not ${allowed}`);
}

function missingVersion(): never {
  throw new EchoSettingError('--version (or VERSION) is required: the version this server answers as, e.g. v1');
}

const PORTS_HELP = 'a comma-separated list of port numbers 0-65535 (0 picks a free port), e.g. 9000,9001';

function parsePorts(raw: Raw): number[] {
  const ports = raw.text.split(',').map((part) => parsePortNumber(part.trim()));
  if (ports.some((p) => p === undefined)) fail(raw, PORTS_HELP);
  const fixed = ports.filter((p) => p !== 0);
  if (new Set(fixed).size !== fixed.length) fail(raw, `${PORTS_HELP}, without repeats`);
  return ports as number[];
}

/** An IP literal (IPv4 or IPv6): a name would resolve to one address among several. */
function parseHost(raw: Raw): string {
  return isIP(raw.text) !== 0 ? raw.text : fail(raw, 'an IP address, e.g. 127.0.0.1 or ::1');
}

function parsePort(raw: Raw): number {
  return parsePortNumber(raw.text.trim()) ?? fail(raw, 'a port number 0-65535 (0 picks a free port)');
}

function parsePortNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** A version or pod name: printable, no spaces (it goes into the banner line). */
function parseWord(raw: Raw): string {
  return /^[^\s()]+$/u.test(raw.text) ? raw.text : fail(raw, 'a name without spaces or parentheses, e.g. v2');
}

function parsePrefix(raw: Raw): string {
  return /^[^\r\n\t]+$/.test(raw.text) ? raw.text : fail(raw, 'a prefix on one line, e.g. two');
}

function parseChoice<T extends string>(text: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (text === undefined) return fallback;
  return (choices as readonly string[]).includes(text) ? (text as T) : fail({ text, name }, `one of ${choices.join(', ')}`);
}

/** `--idle-timeout` takes a duration or seconds; NC_MAX_IDLE seconds, as the long-echo example. */
function parseSecondsOrDuration(raw: Raw): number {
  if (/^\d+(\.\d+)?$/.test(raw.text.trim())) {
    const ms = Math.round(Number(raw.text) * 1000);
    // What a Node timer holds: a larger idle timeout would fire after 1 ms.
    return ms <= MAX_DURATION_MS ? ms : fail(raw, `a number of seconds up to ${MAX_DURATION_MS / 1000 | 0} (0: no idle timeout)`);
  }
  if (!raw.name.startsWith('--')) return fail(raw, 'a number of seconds (0: no idle timeout), e.g. 20');
  return parseDuration(raw.text) ?? fail(raw, `${DURATION_HELP}, or a number of seconds (0: no idle timeout)`);
}

function parseDurationFlag(raw: Raw): number {
  return parseDuration(raw.text) ?? fail(raw, `${DURATION_HELP}, or 0`);
}

function parseCount(text: string | undefined, name: string, min: number, fallback: number): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  return Number.isSafeInteger(n) && n >= min ? n : fail({ text, name }, `a whole number >= ${min}${min === 0 ? ' (0: no limit)' : ''}`);
}
