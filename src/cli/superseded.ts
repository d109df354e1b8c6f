/**
 * A CLI shift's state stays on its route after it ends. When a TCPShift (the controller) later
 * runs on the same route, that state is stale: `status`, `abort` and `rollback` of the CLI shift's
 * name must show and act on the controller's truth, not on it. This finds such a TCPShift: one
 * whose spec targets the same route (the same VirtualService and match port, or TCPRoute) and
 * whose run started after the CLI state was last written.
 */
import { KubeError, NotFoundError, type KubeClient, type TCPShift } from '../kube/index.js';
import type { ShiftState } from '../shift/index.js';
import { parseTCPShiftObject } from '../spec/parse-tcpshift.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';

/** The route a spec shifts, as one comparable string. */
export function routeIdentity(spec: ResolvedSpec): string {
  return spec.provider === 'istio' ? `VirtualService ${spec.target.virtualService} port ${spec.target.matchPort}` : `TCPRoute ${spec.target.tcpRoute}`;
}

/** When the controller's run of this TCPShift started (status.engine.state.startedAt); undefined before it ran. */
function runStartedAt(object: TCPShift): number | undefined {
  const startedAt = (object.status as { engine?: { state?: { startedAt?: unknown } } } | undefined)?.engine?.state?.startedAt;
  return typeof startedAt === 'number' ? startedAt : undefined;
}

/** The TCPShift that ran on the CLI shift's route after its state was last written, the latest one. */
export async function supersedingShift(kube: KubeClient, namespace: string, cli: { spec: ResolvedSpec; state: ShiftState | undefined }): Promise<TCPShift | undefined> {
  let items: TCPShift[];
  try {
    items = (await kube.tcpShifts.list({ namespace })).items;
  } catch (error) {
    // no TCPShift CRD here, or this user may not list them: the CLI state is all there is to go by
    if (error instanceof NotFoundError || (error instanceof KubeError && error.status === 403)) return undefined;
    throw error;
  }
  const route = routeIdentity(cli.spec);
  const since = cli.state?.updatedAt ?? 0;
  let latest: { object: TCPShift; startedAt: number } | undefined;
  for (const object of items) {
    const startedAt = runStartedAt(object);
    if (startedAt === undefined || startedAt <= since) continue;
    const parsed = parseTCPShiftObject(object);
    if (!parsed.ok || routeIdentity(parsed.shift.spec) !== route) continue;
    if (!latest || startedAt > latest.startedAt) latest = { object, startedAt };
  }
  return latest?.object;
}
