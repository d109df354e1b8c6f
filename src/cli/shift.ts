import { Command } from 'commander';
import { createRouter } from '../router/index.js';
import { addClusterOptions, connectCluster, type ClusterFlags } from './cluster-options.js';
import type { CliContext } from './io.js';
import { printAlreadyPromoted, printResult } from './shift-output.js';
import { preflight } from './shift-preflight.js';
import { addRunOptions, apiDeadlineMs, lockTtlMs, withProbeAddress, withPrometheus, type RunFlags } from './shift-options.js';
import { readShiftFile } from './spec-file.js';
import { runShiftSession } from './shift-session.js';
import { readNotificationEndpoints, readShiftWebhookKeys } from './shift-hooks.js';

const EXAMPLES = `
Examples:
  # Shift the sandbox's echo service (tcpshift sandbox up --dir .sandbox in another terminal):
  tcpshift shift -f .sandbox/shift.yaml --kubeconfig .sandbox/kubeconfig

  # A spec whose probe.address is cluster DNS, probed through a port-forward of the gateway:
  tcpshift shift -f shift.yaml --probe-address 127.0.0.1:31400

  # Judge each step by the spec's metric checks (spec.analysis.metrics) on a port-forwarded Prometheus:
  tcpshift shift -f shift.yaml --prometheus http://127.0.0.1:9090

  # In a pipeline: the final report as JSON on stdout, progress on stderr:
  tcpshift shift -f shift.yaml -o json > report.json

  # Give up after 30s without an answer from the API (default 2m), saying what the route may carry:
  tcpshift shift -f shift.yaml --api-deadline 30s

  # The route still carries canary traffic from an earlier run: start again from stable:
  tcpshift shift -f shift.yaml --restart

Pre-flight, before anything is written (exit 2 naming the object, the field and the fix): the
route, its Gateway(s) and listener, the destination host as Istio resolves it, the DestinationRule
and both subsets (istio) or the parent Gateway, sectionName and other parents (gateway-api), the
Services, their port and Ready pods, then 3 probe connections that must identify as stable. A
re-run on a route already promoted to this spec's canary exits 0 ("already promoted") and writes
nothing; any other canary weight is refused unless --restart (or tcpshift resume NAME).

What it does: takes the route's lock (annotations tcpshift.io/holder, /expires on the
VirtualService or TCPRoute), opens the long-lived probe connections, then for each step writes the
canary weight (one JSON Patch of the route, carrying the state annotations) and probes for the
bake: long-lived connections must keep echoing (under tolerate-drain, the gateway's drain close
after the weight change is reported, not a breach), new connections are counted per version and
the observed share tested against the weight (sequential test; newConnections.perStep attempts
per step, 'undecided' when that is too few: reported, not a breach). A breach writes canary 0 at
once (retried until written). From another terminal: tcpshift status|abort|rollback NAME.
Ctrl-C rolls back and exits 4 (--on-interrupt pause: leaves weights and state for tcpshift resume).
A slow or unreachable API does not stop the probes: a write unanswered for 5s is reported, a
breach meanwhile queues the rollback, and after --api-deadline (or 10s after Ctrl-C) the shift
stops with exit 1, naming what was and was not written and how to finish (tcpshift rollback NAME).
Someone else changing the weights mid-step stops it as spec.analysis.onExternalChange says
(pause by default, exit 4; rollback, exit 3; or reassert the step's weights).
spec.webhooks are called around each step (a pre-step hook that does not answer 2xx after its
retries rolls back, exit 3); each answer is printed and listed in report.json's hooks; a signing
key (secret.file or secret.secretRef) that cannot be read is exit 2 before anything is written.

Exit codes: 0 promoted, 3 rolled back after a breach, 4 aborted or paused, 2 invalid input or the
route is busy (nothing written), 1 unexpected error or no answer from the API (--api-deadline).`;

export function shiftVerb(ctx: CliContext): Command {
  const command = new Command('shift')
    .description('Run a shift from this process: step the canary weight, probe at every step, promote or roll back, write the report.')
    .requiredOption('-f, --file <path>', 'TCPShift file (YAML or JSON, one document; - reads stdin)')
    .option('--restart', 'the route already carries canary traffic (not a promotion of this spec): start again from stable, writing canary 0 with the lock');
  addClusterOptions(command);
  addRunOptions(command);
  return command.addHelpText('after', EXAMPLES).action(async (flags: RunFlags & ClusterFlags & { file: string; restart?: boolean }) => {
    const ttl = lockTtlMs(flags);
    const deadline = apiDeadlineMs(flags);
    const { shift, resource } = withPrometheus(withProbeAddress(await readShiftFile(flags.file, ctx), flags.probeAddress), flags.prometheus);
    const kube = connectCluster(flags, ctx);
    try {
      const router = createRouter(kube, shift);
      const webhookKeys = await readShiftWebhookKeys(shift, kube);
      const notifications = readNotificationEndpoints(shift, ctx.env);
      const checked = await preflight({ kube, shift, resource, router, resuming: false, restart: flags.restart === true }, ctx);
      if (checked.verdict === 'already-promoted') {
        printAlreadyPromoted(shift, router.description, flags.output, ctx);
        return;
      }
      const result = await runShiftSession(
        {
          shift,
          resource,
          router,
          output: flags.output,
          reportDir: flags.reportDir,
          onInterrupt: flags.onInterrupt,
          lockTtlMs: ttl,
          apiDeadlineMs: deadline,
          cwd: process.cwd(),
          current: checked.current,
          restart: checked.verdict === 'restart',
          webhookKeys,
          notifications,
        },
        ctx,
      );
      printResult(result, flags.output, ctx);
      ctx.setExitCode(result.exitCode);
    } finally {
      kube.close();
    }
  });
}
