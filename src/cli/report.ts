/**
 * `tcpshift report NAME [--dir DIR]`: report.md, report.json and timeline.svg of any shift, from
 * what the cluster keeps: a CLI shift's state on its route (tcpshift.io/state, per tcp route), a
 * TCPShift's .status (status.steps, status.rollback, status.engine). Both hold every step of the
 * run, a step paused or interrupted and baked again included, so a resumed shift's report covers
 * its whole history. Both are compact (no per-connection lists): the timeline draws each step's
 * failures and ends as counts. Nothing is written to the cluster.
 */
import { Command } from 'commander';
import { stringify } from 'yaml';
import { readStoredRun, resolveStoredSpec } from '../controller/index.js';
import type { KubeClient } from '../kube/index.js';
import { defaultReportDir, reportDocument, writeReportFiles, type ShiftReport, type WeightPair } from '../report/index.js';
import { createRouter } from '../router/index.js';
import { buildReport, type ShiftState } from '../shift/index.js';
import { addClusterOptions, addNamespaceOption, addOutputOption, connectCluster, type ClusterFlags } from './cluster-options.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';
import { findShift, type CliShift, type ControllerShift } from './shift-target.js';

const EXAMPLES = `
Examples:
  tcpshift report echo -n echo
  tcpshift report echo -n echo --dir ./echo-report
  tcpshift report echo -n echo -o json | jq '.steps[] | {number, verdict}'

Works for a shift run by the CLI (state on its route) and for a TCPShift run by the controller
(its .status), finished, paused or still running (then the report ends now). A resumed shift's
report covers the whole history, the pause included.
Exit codes: 0 written, 2 no such shift or no run recorded yet (or bad flag), 1 unexpected error.`;

interface ReportFlags extends ClusterFlags {
  namespace?: string;
  dir?: string;
  output: 'text' | 'json' | 'yaml';
}

interface RecordedRun {
  state: ShiftState;
  target: string;
  schedule: { steps: number[]; bakeMs: number };
  finalWeights: WeightPair;
}

function cliRun(found: CliShift): RecordedRun {
  if (!found.state) throw new UsageError(`shift ${found.namespace}/${found.name} has no state on ${found.router.description} yet: nothing to report`);
  return { state: found.state, target: found.router.description, schedule: found.shift.spec.schedule, finalWeights: found.snapshot.weights };
}

function controllerRun(kube: KubeClient, found: ControllerShift): RecordedRun {
  const where = `TCPShift ${found.namespace}/${found.name}`;
  const run = readStoredRun(found.object.status);
  if (!run) throw new UsageError(`${where} has not started a run yet (no status.engine): nothing to report`);
  const resolved = resolveStoredSpec(run.spec, { name: found.name, namespace: found.namespace });
  if (!resolved) throw new UsageError(`${where}: status.engine.spec does not parse as a TCPShift spec; the controller rewrites it on its next reconcile`);
  const weights = (found.object.status as { weights?: WeightPair } | undefined)?.weights;
  return {
    state: run.state,
    target: createRouter(kube, resolved.shift).description,
    schedule: resolved.shift.spec.schedule,
    finalWeights: weights ?? run.state.original ?? { stable: 100, canary: 0 },
  };
}

/** The report of a shift found in the cluster (ends now when the shift has not). */
export async function recordedReport(kube: KubeClient, name: string, namespace: string | undefined, now: number): Promise<ShiftReport> {
  const found = await findShift(kube, name, namespace);
  const run = found.kind === 'cli' ? cliRun(found) : controllerRun(kube, found);
  return buildReport(run.state, { name: found.name, namespace: found.namespace, target: run.target, schedule: run.schedule, finalWeights: run.finalWeights, now });
}

export function reportVerb(ctx: CliContext): Command {
  const command = new Command('report')
    .description('Write report.md, report.json and timeline.svg of a shift (CLI or controller) from what the cluster keeps.')
    .argument('<name>', 'the shift (TCPShift metadata.name)')
    .option('--dir <dir>', 'where the files go (default: ./tcpshift-reports/<namespace>-<name>-<UTC start time>/)');
  addNamespaceOption(command);
  addClusterOptions(command);
  addOutputOption(command, ['text', 'json', 'yaml'], 'text (where the files are), json or yaml (the report document; files still written)');
  return command.addHelpText('after', EXAMPLES).action(async (name: string, flags: ReportFlags) => {
    const kube = connectCluster(flags, ctx);
    try {
      const report = await recordedReport(kube, name, flags.namespace, ctx.clock.now());
      const files = await writeReportFiles(flags.dir ?? defaultReportDir(process.cwd(), report.namespace, report.name, report.startedAt), report);
      if (flags.output === 'json') ctx.stdout.write(`${JSON.stringify(reportDocument(report), null, 2)}\n`);
      else if (flags.output === 'yaml') ctx.stdout.write(stringify(reportDocument(report)));
      else ctx.stdout.write(`${reportDocument(report).phase}: ${report.namespace}/${report.name}, ${report.steps.length} step record(s)\nreport: ${files.markdown}\n        ${files.json}\n        ${files.timeline}\n`);
      ctx.setExitCode(ExitCode.Ok);
    } finally {
      kube.close();
    }
  });
}
