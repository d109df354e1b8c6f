/**
 * `tcpshift list` (alias `get`): every shift of a namespace, or of all with -A: CLI shifts found on
 * their routes (the stored spec annotation, per tcp route) and TCPShift resources, as a
 * kubectl-style table, `-o wide` with the target, activity and reason, or the status documents
 * (`-o json|yaml`: a kubectl-style List of what `status -o json` prints).
 */
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import type { KubeClient } from '../kube/index.js';
import { addClusterOptions, connectCluster, type ClusterFlags } from './cluster-options.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';
import { cliShiftsIn, targetOf } from './shift-target.js';
import { cliView, controllerView, type ShiftView } from './shift-view.js';
import { brokenEnds } from './status.js';

const EXAMPLES = `
Examples:
  tcpshift list -n echo
  tcpshift get -A -o wide
  kubectl tcpshift list -A -o json | jq '.items[] | {name, phase}'

Columns: NAME, BY (cli: a tcpshift shift process, state on its route; controller: a TCPShift),
PHASE (Pending, Progressing, Paused, Promoted, RolledBack, Aborted, Failed), STEP (current/of),
CANARY (the route's canary weight now), HOLDER (a CLI shift's process: alive, dead, or - when
none holds the route), AGE (since the run started). -o wide adds TARGET, ACTIVITY, PROBES (a
running shift's long-lived connections open/wanted, those broken, and the step's new connections
with their failures, as status shows them, for CLI shifts and TCPShifts alike) and REASON.
Exit codes: 0 listed (also when there is none), 2 bad flag, 1 unexpected error.`;

interface ListFlags extends ClusterFlags {
  namespace?: string;
  allNamespaces?: boolean;
  output: 'table' | 'wide' | 'json' | 'yaml' | 'name';
}

export function listVerb(ctx: CliContext): Command {
  const command = new Command('list')
    .alias('get')
    .description('List the shifts of a namespace (or of all with -A), CLI shifts and TCPShifts alike.')
    .argument('[name]', 'only the shifts of this name')
    .option('-n, --namespace <namespace>', "namespace (default: the kubeconfig context's)")
    .option('-A, --all-namespaces', 'every namespace')
    .addOption(new Option('-o, --output <format>', 'table, wide, json, yaml, or name (one name a line, for scripts and completion)').choices(['table', 'wide', 'json', 'yaml', 'name']).default('table'));
  addClusterOptions(command);
  return command.addHelpText('after', EXAMPLES).action(async (name: string | undefined, flags: ListFlags) => {
    const kube = connectCluster(flags, ctx);
    try {
      const views = (await shiftViews(kube, flags.allNamespaces ? undefined : (flags.namespace ?? kube.defaultNamespace), ctx.clock.now())).filter((v) => name === undefined || v.name === name);
      if (flags.output === 'json' || flags.output === 'yaml') {
        const list = { apiVersion: 'v1', kind: 'List', items: views };
        ctx.stdout.write(flags.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : stringify(list));
      } else if (flags.output === 'name') {
        ctx.stdout.write([...new Set(views.map((v) => v.name))].map((n) => `${n}\n`).join(''));
      } else if (views.length === 0) {
        ctx.stderr.write(`No shifts found${flags.allNamespaces ? '' : ` in ${flags.namespace ?? kube.defaultNamespace} namespace`}.\n`);
      } else {
        ctx.stdout.write(table(views, flags.output === 'wide', flags.allNamespaces === true, ctx.clock.now()));
      }
      ctx.setExitCode(ExitCode.Ok);
    } finally {
      kube.close();
    }
  });
}

/** Every shift's view, sorted by namespace then name. */
export async function shiftViews(kube: KubeClient, namespace: string | undefined, now: number): Promise<ShiftView[]> {
  const cli = (await cliShiftsIn(kube, namespace)).map((found) => cliView(found, now));
  const resources = await kube.tcpShifts.listAll(namespace === undefined ? { allNamespaces: true } : { namespace });
  const managed = resources.items.map((object) => {
    const found = { kind: 'controller' as const, name: object.metadata.name ?? '', namespace: object.metadata.namespace ?? namespace ?? '', object };
    return controllerView(found, targetOf(kube, found));
  });
  return [...cli, ...managed].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || a.managedBy.localeCompare(b.managedBy));
}

/** kubectl's short age: 45s, 3m, 2h, 5d. */
export function age(since: string | undefined, now: number): string {
  if (since === undefined) return '-';
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

function row(view: ShiftView, wide: boolean, withNamespace: boolean, now: number): string[] {
  const holder = view.holder ? (view.holder.alive ? 'alive' : 'dead') : '-';
  const cells = [
    ...(withNamespace ? [view.namespace] : []),
    view.name,
    view.managedBy,
    view.phase,
    view.step.number > 0 ? `${view.step.number}/${view.step.of}` : `-/${view.step.of}`,
    view.weights ? String(view.weights.canary) : '-',
    holder,
    age(view.startedAt, now),
  ];
  return wide ? [...cells, view.target, view.activity ?? '-', probeCell(view), view.reason ?? ''] : cells;
}

/** `18/20 open, 0 broken, new 345 (2 failed)`, or `-` when the shift publishes no counters. */
export function probeCell(view: ShiftView): string {
  const totals = view.probes;
  if (!totals) return '-';
  const n = totals.newConnections;
  return `${totals.longLived.open}/${totals.longLived.wanted} open, ${brokenEnds(totals)} broken, ${n ? `new ${n.attempted} (${n.failed} failed)` : 'new -'}`;
}

/** Columns padded to the widest cell plus three spaces, as kubectl prints them. */
function table(views: readonly ShiftView[], wide: boolean, withNamespace: boolean, now: number): string {
  const header = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', 'BY', 'PHASE', 'STEP', 'CANARY', 'HOLDER', 'AGE', ...(wide ? ['TARGET', 'ACTIVITY', 'PROBES', 'REASON'] : [])];
  const rows = [header, ...views.map((v) => row(v, wide, withNamespace, now))];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}
