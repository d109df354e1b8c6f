// E2E over the real sandbox (API emulator, mesh gateway, echo pod processes) with the CLI as a
// real process: a sandbox per test file, the route reset between tests, spec files aimed at the
// sandbox gateway, and helpers to watch the route's state annotations.
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { routeView } from '../../src/router/index.js';
import { readShiftState, ShiftAnnotations, type ShiftState } from '../../src/shift/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnBin } from './cli.js';
import { waitFor } from './probe-wait.js';
import { ECHO_ROUTE } from './shift-apiserver.js';
import { shiftDocument } from './shift-fixtures.js';

/** Short: a 300 ms drain and 1.5 s bakes keep each shift around five seconds. */
export const E2E_DRAIN_MS = 300;

export interface E2eEnv {
  sandbox: Sandbox;
  gateway: string;
  /** Write a spec aimed at the sandbox gateway; returns its path. */
  spec(name: string, changes?: Record<string, unknown>): Promise<string>;
  /** The route back to 100 % v1, tcpshift's annotations and label gone, faults off; waits out the drain. */
  reset(): Promise<void>;
  /** The shift state on the route (match port 31400) now. */
  state(): ShiftState | undefined;
  /** The route's annotations as the router shows them (its keys under the plain names). */
  annotations(): Record<string, string>;
  weights(): [number, number];
  /** Common flags: the sandbox kubeconfig and a report dir under the sandbox dir. */
  flags(reportName: string): string[];
}

interface StoredVs {
  metadata: { annotations?: Record<string, string>; labels?: Record<string, string>; [k: string]: unknown };
  spec: { http?: unknown; tcp: Array<{ route: Array<{ weight?: number }> }>; [k: string]: unknown };
  [k: string]: unknown;
}

/** drainMs: the gateway's drain (and the specs' drainDuration); default E2E_DRAIN_MS. */
export async function startE2e(options: { drainMs?: number } = {}): Promise<E2eEnv> {
  const drainMs = options.drainMs ?? E2E_DRAIN_MS;
  const sandbox = await startSandbox({ drainMs, replicas: 1 });
  const gateway = `${sandbox.info.gateway.host}:${sandbox.info.gateway.port}`;
  const ref = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };
  const vs = (): StoredVs => sandbox.api.objects.get(ref) as unknown as StoredVs;
  const original = vs();
  const routeWeights = (): string =>
    JSON.stringify((sandbox.gateway.listener(31400)?.tcpProxy?.clusters ?? []).map((c) => [c.cluster.subset, c.weight]));
  return {
    sandbox,
    gateway,
    async spec(name, changes = {}) {
      const file = path.join(sandbox.files.dir, `${name}.yaml`);
      const base = {
        'spec.probe.address': gateway,
        'spec.schedule.steps': [50, 100],
        'spec.schedule.bake': '1500ms',
        'spec.probe.longLived.connections': 6,
        // A split test that practically never errs (alpha 1e-4), decided within a few hundred samples.
        'spec.probe.newConnections.perStep': 600,
        'spec.analysis.splitTolerance': 0.2,
        'spec.analysis.splitConfidence': 0.9999,
        'spec.analysis.drainDuration': `${drainMs}ms`,
      };
      await writeFile(file, stringify(shiftDocument({ ...base, ...changes })));
      return file;
    },
    async reset() {
      await sandbox.setFault({ version: 'v2' }, 'pass');
      const current = vs();
      sandbox.api.objects.update({ ...original, metadata: { ...original.metadata, resourceVersion: current.metadata.resourceVersion } } as never);
      await waitFor(() => routeWeights() === JSON.stringify([['v1', 100]]), 'the gateway back on v1');
      await new Promise((r) => setTimeout(r, drainMs + 300));
    },
    state: () => readShiftState(routeView(vs().metadata.annotations ?? {}, ECHO_ROUTE)),
    annotations: () => routeView(vs().metadata.annotations ?? {}, ECHO_ROUTE),
    weights: () => {
      const route = vs().spec.tcp[0]!.route;
      return [route[0]?.weight ?? 0, route[1]?.weight ?? 0];
    },
    flags: (reportName) => ['--kubeconfig', sandbox.info.kubeconfig, '--report-dir', path.join(sandbox.files.dir, reportName)],
  };
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves with the exit code and the output once the process has exited. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  output(): string;
}

/** Start `tcpshift ARGS` as a real process, collecting its output. */
export function startCli(args: string[]): RunningCli {
  const child = spawnBin('tcpshift', args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin?.end();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => stdout + stderr };
}

/** Wait until the route's shift state satisfies `condition` (e.g. step 1 baking). */
export async function waitForState(env: E2eEnv, condition: (state: ShiftState | undefined, weights: [number, number]) => boolean, what: string): Promise<void> {
  await waitFor(() => condition(env.state(), env.weights()), what, 20_000);
}

/** The shift is baking step `index` (its write carries `stepping`; its weight is on the route). */
export function baking(index: number, weight: number): (state: ShiftState | undefined, weights: [number, number]) => boolean {
  return (state, weights) => state?.stepIndex === index && (state.phase === 'stepping' || state.phase === 'baking') && weights[1] === weight;
}

export { ShiftAnnotations };
