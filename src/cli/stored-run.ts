/**
 * Run a CLI shift from the spec kept on its route, in this process (`resume` from its state,
 * `retry` from stable): the pre-flight of `shift`, the session, the report, the exit code.
 */
import type { KubeClient } from '../kube/index.js';
import type { ShiftState } from '../shift/index.js';
import type { CliContext } from './io.js';
import { printResult } from './shift-output.js';
import { apiDeadlineMs, lockTtlMs, withProbeAddress, withPrometheus, type RunFlags } from './shift-options.js';
import { preflight } from './shift-preflight.js';
import { runShiftSession } from './shift-session.js';
import { readNotificationEndpoints, readShiftWebhookKeys } from './shift-hooks.js';
import type { CliShift } from './shift-target.js';

export async function runStoredShift(kube: KubeClient, found: CliShift, flags: RunFlags, ctx: CliContext, resume?: ShiftState): Promise<void> {
  const ttl = lockTtlMs(flags);
  const deadline = apiDeadlineMs(flags);
  const { shift, resource } = withPrometheus(withProbeAddress({ shift: found.shift, resource: found.resource }, flags.probeAddress), flags.prometheus);
  const webhookKeys = await readShiftWebhookKeys(shift, kube);
  const notifications = readNotificationEndpoints(shift, ctx.env);
  const { current } = await preflight({ kube, shift, resource, router: found.router, resuming: resume !== undefined, restart: false }, ctx);
  const result = await runShiftSession(
    {
      shift,
      resource,
      router: found.router,
      output: flags.output,
      reportDir: flags.reportDir,
      onInterrupt: flags.onInterrupt,
      lockTtlMs: ttl,
      apiDeadlineMs: deadline,
      ...(resume ? { resume } : {}),
      cwd: process.cwd(),
      current,
      webhookKeys,
      notifications,
    },
    ctx,
  );
  printResult(result, flags.output, ctx);
  ctx.setExitCode(result.exitCode);
}
