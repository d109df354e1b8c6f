import { Option, type Command } from 'commander';
import { parseAddress } from '../probe/index.js';
import { prometheusSchema } from '../spec/metric-checks.js';
import { parseTCPShiftObject } from '../spec/parse-tcpshift.js';
import { resolveShift, type ResolvedShift } from '../spec/resolved-shift.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';
import { UsageError } from './errors.js';
import { durationFlag, MAX_FLAG_WAIT_MS } from './duration-flag.js';
import { invalidShift } from './spec-file.js';

/** Flags shared by `shift` and `resume` (and the demo's shift). */
export interface RunFlags {
  reportDir?: string;
  output: 'text' | 'json';
  onInterrupt: 'rollback' | 'pause';
  probeAddress?: string;
  prometheus?: string;
  lockTtl: string;
  apiDeadline: string;
}

export function addRunOptions(command: Command): Command {
  return command
    .option('--report-dir <dir>', 'where report.json, report.md and timeline.svg go (default: ./tcpshift-reports/<namespace>-<name>-<UTC time>)')
    .option('--probe-address <host:port>', "probe through this address instead of spec.probe.address (e.g. a local gateway or a port-forward when the spec names cluster DNS)")
    .option('--prometheus <url>', "query spec.analysis.metrics on this Prometheus instead of spec.analysis.prometheus.address (e.g. http://127.0.0.1:9090 through a port-forward)")
    .addOption(new Option('--on-interrupt <what>', 'Ctrl-C: roll back to stable and exit 4, or pause (weights and state left for resume)').choices(['rollback', 'pause']).default('rollback'))
    .option('--lock-ttl <duration>', "lifetime of the route's lock, renewed every third of it while this process runs", '15s')
    .option(
      '--api-deadline <duration>',
      'give up (exit 1, saying what the route may carry and how to finish) when a route write stays unanswered this long; probing goes on meanwhile',
      '2m',
    )
    .addOption(new Option('-o, --output <format>', 'text, or json: stdout carries only the final report (progress goes to stderr)').choices(['text', 'json']).default('text'));
}

export function lockTtlMs(flags: RunFlags): number {
  return durationFlag('--lock-ttl', flags.lockTtl, { minMs: 1000, maxMs: MAX_FLAG_WAIT_MS });
}

export function apiDeadlineMs(flags: RunFlags): number {
  return durationFlag('--api-deadline', flags.apiDeadline, { minMs: 1000, maxMs: MAX_FLAG_WAIT_MS });
}

/** The TCPShift kept on a route, validated like a file. */
export function parseStoredShift(document: unknown, where: string): { shift: ResolvedShift; resource: TCPShiftResource } {
  const result = parseTCPShiftObject(document);
  if (!result.ok) throw invalidShift(where, result);
  return result;
}

/** Apply --probe-address: the shift probes there, and the stored spec says so (resume probes the same way). */
export function withProbeAddress(
  parsed: { shift: ResolvedShift; resource: TCPShiftResource },
  address: string | undefined,
): { shift: ResolvedShift; resource: TCPShiftResource } {
  if (address === undefined) return parsed;
  let hostPort;
  try {
    hostPort = parseAddress(address);
  } catch (err) {
    throw new UsageError(`--probe-address: ${(err as Error).message}`);
  }
  const { shift, resource } = parsed;
  const probed = { ...resource, spec: { ...resource.spec, probe: { ...resource.spec.probe, address } } };
  // target.matchPorts: the first port's address, and the ports probe.addresses does not list, follow it.
  if (shift.spec.probe.ports) return { shift: resolveShift(probed), resource: probed };
  return { shift: { ...shift, spec: { ...shift.spec, probe: { ...shift.spec.probe, address: hostPort } } }, resource: probed };
}

/** Apply --prometheus: metric checks query there, and the stored spec says so (resume queries the same one). */
export function withPrometheus(
  parsed: { shift: ResolvedShift; resource: TCPShiftResource },
  url: string | undefined,
): { shift: ResolvedShift; resource: TCPShiftResource } {
  if (url === undefined) return parsed;
  const checked = prometheusSchema.shape.address.safeParse(url);
  if (!checked.success) throw new UsageError(`--prometheus: ${checked.error.issues[0]?.message ?? 'must be an http:// or https:// URL'}`);
  const { shift, resource } = parsed;
  const prometheus = { ...resource.spec.analysis.prometheus, address: url };
  return {
    shift: { ...shift, spec: { ...shift.spec, analysis: { ...shift.spec.analysis, prometheus } } },
    resource: { ...resource, spec: { ...resource.spec, analysis: { ...resource.spec.analysis, prometheus } } },
  };
}
