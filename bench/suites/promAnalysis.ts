// Benchmark `promAnalysis`: breach to rollback through Prometheus. The sandbox (API emulator,
// gateway emulator exporting Istio's TCP metrics, echo pods) with a real Prometheus (Debian's
// prometheus package) scraping it; a one-step shift whose probes cannot breach (no long-lived
// connections, one new connection, any failure rate allowed) and a tcp-connection-failure-rate
// check; clients use the gateway meanwhile. The canary's pods start refusing the moment its weight
// is acknowledged; measured: that moment -> canary 0 acknowledged. It depends on Istio's TCP
// reporting period (closes are reported at once), the scrape interval and the check's interval,
// all reported.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { demoMetricChecks, echoShiftDocument } from '../../src/cli/demo.js';
import type { CliContext } from '../../src/cli/io.js';
import { runShiftSession } from '../../src/cli/shift-session.js';
import { KubeClient } from '../../src/kube/index.js';
import { percentile } from '../../src/probe/index.js';
import { createRouter } from '../../src/router/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { ResolvedShift } from '../../src/spec/resolved-shift.js';
import { systemClock } from '../../src/util/clock.js';
import type { BenchOptions, BenchResult, BenchSuite } from '../suite.js';

const CHECK_INTERVAL_MS = 2000;

function shiftFor(sandbox: Sandbox, name: string): { shift: ResolvedShift; resource: unknown } {
  const checks = demoMetricChecks(sandbox.info.prometheus!.url);
  const parsed = parseTCPShiftObject(
    echoShiftDocument({
      name,
      schedule: { steps: [50], bake: '60s' },
      probe: { address: `${sandbox.info.gateway.host}:${sandbox.info.gateway.port}`, longLived: { connections: 0 }, newConnections: { perStep: 1 } },
      analysis: { maxNewConnectionFailureRate: 1, drainDuration: `${sandbox.drainMs}ms`, ...checks },
    }),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed;
}

/** A client opening a connection every few milliseconds through the gateway, until stopped. */
function clients(port: number): () => void {
  let running = true;
  const one = (): void => {
    if (!running) return;
    const socket = connect(port, '127.0.0.1');
    socket.on('data', () => socket.end());
    socket.on('error', () => undefined);
    socket.on('close', () => setTimeout(one, 5));
  };
  for (let i = 0; i < 4; i++) one();
  return () => {
    running = false;
  };
}

function context(): CliContext {
  return { stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), env: {}, clock: systemClock, interrupts: new AbortController().signal, setExitCode: () => undefined };
}

async function oneRollback(sandbox: Sandbox, kube: KubeClient, dir: string, i: number): Promise<number> {
  await sandbox.setFault({ version: 'v2' }, 'pass');
  const { shift, resource } = shiftFor(sandbox, `prom-${i}`);
  let faultAt = 0;
  const stop = clients(sandbox.info.gateway.port);
  try {
    const result = await runShiftSession(
      {
        shift,
        resource,
        router: createRouter(kube, shift),
        output: 'json',
        reportDir: path.join(dir, `run-${i}`),
        onInterrupt: 'rollback',
        lockTtlMs: 15_000,
        cwd: dir,
        observer: () => ({
          weightWritten: async (weight) => {
            if (weight !== 50) return;
            await sandbox.setFault({ version: 'v2' }, 'refuse');
            faultAt = systemClock.now();
          },
        }),
      },
      context(),
    );
    const restoredAt = result.report.rollback?.restoredAt;
    if (result.report.outcome !== 'rolled-back' || !restoredAt || !result.report.rollback?.reason.startsWith('metric ')) {
      throw new Error(`run ${i}: expected a rollback on the metric, got ${result.report.outcome}: ${result.report.rollback?.reason ?? result.report.reason ?? ''}`);
    }
    return restoredAt - faultAt;
  } finally {
    stop();
  }
}

async function run(options: BenchOptions): Promise<BenchResult> {
  const runs = options.quick ? 2 : 5;
  const sandbox = await startSandbox({ drainMs: 300, replicas: 1, prometheus: {} });
  const kube = KubeClient.connect({ kubeconfig: sandbox.info.kubeconfig });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-prom-bench-'));
  try {
    const latencies: number[] = [];
    for (let i = 0; i < runs; i++) {
      latencies.push(await oneRollback(sandbox, kube, dir, i));
      options.log(`run ${i + 1}/${runs}: fault -> rollback acknowledged ${latencies.at(-1)} ms`);
    }
    const p50 = percentile(latencies, 0.5)!;
    const max = Math.max(...latencies);
    const scrapeMs = sandbox.info.prometheus!.scrapeIntervalMs;
    const bound = 2 * CHECK_INTERVAL_MS + scrapeMs + 1000;
    return {
      block: { faultToRollbackP50Ms: p50, faultToRollbackMaxMs: max, scrapeIntervalMs: scrapeMs, checkIntervalMs: CHECK_INTERVAL_MS, runs },
      rows: [
        { metric: 'canary refuses -> canary 0 acknowledged, p50', value: `${p50} ms`, target: `<= 2 check intervals + scrape + 1 s = ${bound} ms`, pass: p50 <= bound },
        { metric: 'canary refuses -> canary 0 acknowledged, max', value: `${max} ms`, target: `${runs} runs` },
        { metric: 'Prometheus scrape and evaluation interval', value: `${scrapeMs} ms`, target: 'sandbox default' },
        { metric: 'check interval ({{ interval }})', value: `${CHECK_INTERVAL_MS} ms`, target: 'demo check' },
      ],
    };
  } finally {
    kube.close();
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = { key: 'promAnalysis', title: 'Breach to rollback through Prometheus', run };
