import { Command } from 'commander';
import {
  breakageEnds,
  canaryVersionOf,
  describeLongLived,
  describeNewConnections,
  formatAddress,
  IDENTIFY_HELP,
  LongLivedPool,
  NewConnectionSampler,
  parseAddress,
  parseIdentify,
  type EndedConnection,
  type IdentifyConfig,
  type LongLivedBlock,
  type NewConnectionsBlock,
  type ProbeAddress,
} from '../probe/index.js';
import { compileExpectPattern } from '../spec/expect-pattern.js';
import { NEW_CONNECTIONS_ONLY, type ProbeProtocol } from '../spec/probe-protocol.js';
import type { TimerHandle } from '../util/clock.js';
import { checkProtocolFlags, PROTOCOL_HELP, protocolFromFlags, type ProtocolSettings, type RawProtocolFlags } from './probe-protocol-flags.js';
import { formatDuration } from '../util/duration.js';
import { EndSummary } from './end-summary.js';
import { UsageError } from './errors.js';
import { durationFlag, MAX_FLAG_WAIT_MS } from './duration-flag.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';

interface RawProbeOptions extends RawProtocolFlags {
  address: string;
  duration: string;
  longLived?: string;
  heartbeat: string;
  timeout: string;
  newRate: string;
  identify?: string;
  canary?: string;
  output: string;
}

interface ProbeSettings extends ProtocolSettings {
  address: ProbeAddress;
  durationMs: number;
  longLived: number;
  heartbeatMs: number;
  timeoutMs: number;
  newRate: number;
  identify: IdentifyConfig;
  canaryVersion: string;
  output: 'text' | 'json';
}

/** What `probe -o json` prints: the probe blocks of the report (DESIGN section 3). */
export interface ProbeResult {
  newConnections: NewConnectionsBlock;
  longLived: LongLivedBlock;
}

const EXAMPLES = `
Examples:
  # 30 s against the sandbox gateway, versions read from the banner (tcpshift-echo, socat):
  tcpshift probe --address 127.0.0.1:31400

  # Istio's tcp-echo sample answers "one <line>" (v1) or "two <line>" (v2):
  tcpshift probe --address $GATEWAY:31400 --identify prefix:one,two

  # Fast silent-death detection, no new connections, the blocks as JSON on stdout:
  tcpshift probe --address $GATEWAY:31400 --new-rate 0 --heartbeat 500ms --timeout 1s -o json

  # Redis: PING/+PONG heartbeats; versions from a key seeded per version (GET release -> v1/v2):
  tcpshift probe --address $GATEWAY:6379 --protocol redis --command 'GET release' --identify 'regex:(?<version>v[0-9]+)'

  # MQTT 3.1.1 (CONNECT/CONNACK, PINGREQ/PINGRESP), over TLS with the CA, versions from the certificate's CN:
  tcpshift probe --address $GATEWAY:8883 --protocol mqtt --tls-ca ca.pem --identify certificate:subject.CN

  # SSH: new connections read the server's identification line (no long-lived probes: LoginGraceTime):
  tcpshift probe --address $GATEWAY:22 --protocol ssh --identify 'regex:^SSH-2.0-(?<version>\\S+)'

  # Your own protocol as send/expect steps (README "Probing real protocols"):
  tcpshift probe --address $GATEWAY:31400 --protocol script --script steps.yaml

Long-lived connections send "PING <conn> <seq>" every heartbeat (or run the protocol's heartbeat
steps) and must see it echoed within the timeout; each end is classified closed, reset, timeout (silent death), corrupt or refused. New
connections send one line and record which version answered. Ctrl-C ends early and still reports.
Exit codes: 0 no breakage seen, 3 breakage seen (any end or failed new connection), 2 bad input.`;

export function probeCommand(ctx: CliContext): Command {
  return new Command('probe')
    .description('Probe a gateway without changing weights: heart-beaten long-lived connections and version-identifying new ones.')
    .requiredOption('--address <host:port>', 'where to connect, e.g. the ingress gateway')
    .option('--duration <duration>', 'how long to probe', '30s')
    .option('--long-lived <n>', 'long-lived connections kept open (0: none; default 20, 0 with ssh and postgres)')
    .option('--heartbeat <duration>', 'interval of PING lines on each long-lived connection', '1s')
    .option('--timeout <duration>', 'how long an echo (and a connect) may take', '2s')
    .option('--new-rate <per-second>', 'new connections started per second (0: none)', '50')
    .option('--identify <how>', `how to tell the version: ${IDENTIFY_HELP} (default banner; with another --protocol and no --identify, versions are not told apart)`)
    .option('--protocol <name>', PROTOCOL_HELP, 'echo')
    .option('--command <command>', "redis: command sent when a connection opens, whose answer --identify regex:RE reads (e.g. 'INFO server')")
    .option('--script <file>', 'script: YAML {open: [steps], heartbeat: [steps], close: [steps]}, steps {send|sendHex|expect|expectBytes, timeout?}')
    .option('--tls', 'wrap connections in TLS, verifying the server with the system roots')
    .option('--tls-server-name <name>', 'TLS: SNI and the name to verify (default: the address host); implies --tls')
    .option('--tls-ca <file>', 'TLS: PEM CA certificates to verify with; implies --tls')
    .option('--tls-insecure-skip-verify', 'TLS: do not verify the certificate (still read for --identify certificate:...); implies --tls')
    .option('--canary <version>', 'version counted as canary in the observed share (default: v2; CANARY in prefix mode)')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText('after', EXAMPLES)
    .action(async (raw: RawProbeOptions) => {
      const settings = await parseProbeOptions(raw, ctx);
      ctx.setExitCode(await runProbe(settings, ctx));
    });
}

async function parseProbeOptions(raw: RawProbeOptions, ctx: CliContext): Promise<ProbeSettings> {
  const identify = parseFlag('--identify', () => parseIdentify(raw.identify ?? 'banner'));
  const protocol = await protocolFromFlags(raw, ctx);
  const settings: ProbeSettings = {
    ...protocol,
    address: parseFlag('--address', () => parseAddress(raw.address)),
    durationMs: positiveDuration('--duration', raw.duration, MAX_PROBE_RUN_MS),
    longLived: count('--long-lived', raw.longLived ?? (NEW_CONNECTIONS_ONLY.includes(protocol.protocol.name) ? '0' : '20')),
    heartbeatMs: positiveDuration('--heartbeat', raw.heartbeat, MAX_FLAG_WAIT_MS),
    timeoutMs: positiveDuration('--timeout', raw.timeout, MAX_FLAG_WAIT_MS),
    newRate: rate('--new-rate', raw.newRate),
    identify,
    canaryVersion: canaryVersionOf(identify, raw.canary),
    output: outputFormat(raw.output),
  };
  if (settings.longLived === 0 && settings.newRate === 0) {
    throw new UsageError('--long-lived and --new-rate are both 0: nothing to probe');
  }
  checkProtocolFlags({ ...settings, identifyGiven: raw.identify !== undefined || raw.protocol === 'echo' });
  return settings;
}

function parseFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** `probe --duration`: a day, like the longest bake. */
const MAX_PROBE_RUN_MS = 24 * 3_600_000;

function positiveDuration(flag: string, text: string, maxMs: number): number {
  return durationFlag(flag, text, { positive: true, maxMs });
}

function count(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`${flag}: '${text}' is not a whole number >= 0`);
  return n;
}

function rate(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: '${text}' is not a number >= 0`);
  return n;
}

function outputFormat(text: string): 'text' | 'json' {
  if (text !== 'text' && text !== 'json') throw new UsageError(`-o/--output: '${text}' is not text or json`);
  return text;
}

async function runProbe(s: ProbeSettings, ctx: CliContext): Promise<number> {
  const progress = new ProbeProgress(s.output === 'json' ? ctx.stderr : ctx.stdout, ctx, s);
  const pool = new LongLivedPool({
    address: s.address,
    identify: s.identify,
    protocol: s.protocol,
    tls: s.tls,
    connections: s.longLived,
    heartbeatMs: s.heartbeatMs,
    timeoutMs: s.timeoutMs,
    clock: ctx.clock,
    topUp: true,
  });
  const sampler = new NewConnectionSampler({
    address: s.address,
    identify: s.identify,
    protocol: s.protocol,
    tls: s.tls,
    heartbeatMs: s.heartbeatMs,
    versionOptional: s.protocol.name !== 'echo' && s.identify.mode === 'banner' && !identifiesByItself(s.protocol),
    canaryVersion: s.canaryVersion,
    clock: ctx.clock,
    ratePerSecond: s.newRate,
    // Enough in flight for the rate even when every attempt takes the whole timeout.
    concurrency: Math.min(1000, Math.max(1, Math.ceil((s.newRate * 2 * s.timeoutMs) / 1000))),
    connectTimeoutMs: s.timeoutMs,
    replyTimeoutMs: s.timeoutMs,
  });
  pool.onEnd((end) => progress.ended(end));
  const stopSampling = new AbortController();
  const sampling = s.newRate > 0 ? sampler.run(stopSampling.signal) : Promise.resolve(sampler.block());
  void pool.start();
  progress.start(pool, sampler);
  const interrupted = await sleepUnlessInterrupted(ctx, s.durationMs);
  stopSampling.abort();
  const result: ProbeResult = { newConnections: await sampling, longLived: pool.snapshot() };
  await pool.stop();
  progress.stop(interrupted);
  const broken = breakageEnds(result.longLived) > 0 || result.newConnections.failed > 0;
  if (s.output === 'json') ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else ctx.stdout.write(textReport(result, broken));
  return broken ? ExitCode.RolledBack : ExitCode.Ok;
}

/** A script with a `version` group in its opening names versions without --identify. */
function identifiesByItself(protocol: ProbeProtocol): boolean {
  return protocol.name === 'script' && protocol.open.some((step) => {
    const compiled = step.expect === undefined ? undefined : compileExpectPattern(step.expect);
    return compiled?.ok === true && compiled.namesVersion;
  });
}

/** Sleep for the probe's duration; true when the user interrupted it first. */
async function sleepUnlessInterrupted(ctx: CliContext, ms: number): Promise<boolean> {
  try {
    await ctx.clock.sleep(ms, ctx.interrupts);
    return false;
  } catch {
    return true;
  }
}

function textReport(result: ProbeResult, broken: boolean): string {
  const verdict = broken ? 'BREAKAGE SEEN' : 'healthy: no breakage seen';
  return `${describeLongLived(result.longLived)}\n${describeNewConnections(result.newConnections)}\n${verdict}\n`;
}

/**
 * Progress while probing: on a TTY a status line redrawn every second, with each end printed
 * above it as it happens; otherwise plain lines (ends as they happen, status every 5 s).
 */
class ProbeProgress {
  private readonly live: boolean;
  private readonly startedAt: number;
  private timer: TimerHandle | undefined;
  private status = '';
  private pool: LongLivedPool | undefined;
  private sampler: NewConnectionSampler | undefined;
  private readonly ends: EndSummary;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly ctx: CliContext,
    private readonly settings: ProbeSettings,
  ) {
    this.live = out.isTTY === true;
    this.startedAt = ctx.clock.monotonic();
    this.ends = new EndSummary(ctx.clock, (text) => this.line(`${this.elapsed()} ${text}`));
  }

  start(pool: LongLivedPool, sampler: NewConnectionSampler): void {
    this.pool = pool;
    this.sampler = sampler;
    const s = this.settings;
    this.line(
      `probing ${formatAddress(s.address)} for ${formatDuration(s.durationMs)}: ${s.longLived} long-lived ` +
        `(heartbeat ${formatDuration(s.heartbeatMs)}, timeout ${formatDuration(s.timeoutMs)}), ${s.newRate} new/s, canary ${s.canaryVersion}`,
    );
    this.schedule();
  }

  ended(end: EndedConnection): void {
    this.ends.add(end);
  }

  stop(interrupted: boolean): void {
    this.timer?.cancel();
    this.ends.flush();
    this.clearStatus();
    // the status line is gone for good: nothing redraws it under the closing lines
    this.status = '';
    if (interrupted) this.line(`interrupted after ${this.elapsed()}: reporting what was seen`);
  }

  private schedule(): void {
    const every = this.live ? 1000 : 5000;
    this.timer = this.ctx.clock.setTimer(() => {
      this.tick();
      this.schedule();
    }, every);
  }

  private tick(): void {
    if (!this.pool || !this.sampler) return;
    const l = this.pool.snapshot();
    const n = this.sampler.block();
    const share = n.observedCanaryShare === null ? '-' : `${(n.observedCanaryShare * 100).toFixed(1)}%`;
    const text =
      `${this.elapsed()} long-lived ${l.open}/${this.settings.longLived} open, ${l.heartbeats} echoed, ${breakageEnds(l)} broken | ` +
      `new ${n.attempted} (${n.failed} failed), canary ${share}`;
    if (!this.live) {
      this.out.write(`${text}\n`);
      return;
    }
    this.status = text;
    this.out.write(`\r\x1b[2K${text}`);
  }

  private line(text: string): void {
    this.clearStatus();
    this.out.write(`${text}\n`);
    if (this.live && this.status) this.out.write(this.status);
  }

  private clearStatus(): void {
    if (this.live && this.status) this.out.write('\r\x1b[2K');
  }

  private elapsed(): string {
    return `${((this.ctx.clock.monotonic() - this.startedAt) / 1000).toFixed(1)}s`;
  }
}
