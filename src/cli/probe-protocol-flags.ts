import { parse as parseYaml } from 'yaml';
import type { IdentifyConfig } from '../probe/index.js';
import { formatIssue, formatPath, issuesFromZod } from '../spec/issues.js';
import { PROTOCOL_NAMES, probeProtocolSchema, probeTlsSchema, type ProbeProtocol, type ProbeTls } from '../spec/probe-protocol.js';
import { probeProtocolIssues } from '../spec/probe-protocol-rules.js';
import { UsageError } from './errors.js';
import { readInputText, type InputIo } from './input-file.js';

/** The flags of `tcpshift probe` that choose what probe connections speak (README "Probing real protocols"). */
export interface RawProtocolFlags {
  protocol: string;
  command?: string;
  script?: string;
  tls?: boolean;
  tlsServerName?: string;
  tlsCa?: string;
  tlsInsecureSkipVerify?: boolean;
}

export interface ProtocolSettings {
  protocol: ProbeProtocol;
  tls: ProbeTls | undefined;
}

export const PROTOCOL_HELP = `what probe connections speak: ${PROTOCOL_NAMES.join(', ')}`;

/** spec.probe.protocol and spec.probe.tls from the flags, checked by the spec's own schema (exit 2 naming the flag). */
export async function protocolFromFlags(raw: RawProtocolFlags, io: InputIo): Promise<ProtocolSettings> {
  if (!(PROTOCOL_NAMES as readonly string[]).includes(raw.protocol)) throw new UsageError(`--protocol: '${raw.protocol}' is not one of ${PROTOCOL_NAMES.join(', ')}`);
  if (raw.command !== undefined && raw.protocol !== 'redis') throw new UsageError('--command: only with --protocol redis');
  if ((raw.script !== undefined) !== (raw.protocol === 'script')) throw new UsageError('--script FILE goes with --protocol script (and --protocol script needs it)');
  const script = raw.script === undefined ? {} : await scriptFile(raw.script, io);
  const protocol = checked('--protocol', probeProtocolSchema, { name: raw.protocol, ...(raw.command === undefined ? {} : { command: raw.command }), ...script });
  const wantsTls = raw.tls === true || raw.tlsServerName !== undefined || raw.tlsCa !== undefined || raw.tlsInsecureSkipVerify === true;
  if (!wantsTls) return { protocol, tls: undefined };
  const ca = raw.tlsCa === undefined ? {} : { ca: await readInputText('--tls-ca', raw.tlsCa, io) };
  const tls = checked('--tls', probeTlsSchema, { ...(raw.tlsServerName === undefined ? {} : { serverName: raw.tlsServerName }), ...ca, insecureSkipVerify: raw.tlsInsecureSkipVerify === true });
  return { protocol, tls };
}

async function scriptFile(file: string, io: InputIo): Promise<Record<string, unknown>> {
  const text = await readInputText('--script', file, io);
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new UsageError(`--script ${file}: not YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError(`--script ${file}: must be a YAML object {open: [...], heartbeat: [...], close: [...]}`);
  return doc as Record<string, unknown>;
}

function checked<T>(flag: string, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: Parameters<typeof issuesFromZod>[0] } } }, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new UsageError(`${flag}: ${issuesFromZod(result.error.issues).map(formatIssue).join('; ')}`);
}

const FLAG_OF: Record<string, string> = { longLived: '--long-lived', protocol: '--protocol', identify: '--identify', tls: '--tls' };

/**
 * The spec's cross-field rules (src/spec/probe-protocol-rules.ts) on the flags. A version is
 * only required when --identify was given: without it connections count under `(any)`.
 */
export function checkProtocolFlags(settings: ProtocolSettings & { identify: IdentifyConfig; longLived: number; identifyGiven: boolean }): void {
  const issues = probeProtocolIssues({ ...settings, longLived: { connections: settings.longLived } }, settings.identifyGiven);
  const first = issues[0];
  if (!first) return;
  const flag = FLAG_OF[String(first.path[0])] ?? '--protocol';
  throw new UsageError(`${flag}: probe.${formatPath(first.path)} ${first.message}`);
}
