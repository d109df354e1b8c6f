// Benchmark `controller`: 1,000 TCPShift resources progressing at once (200 with --quick), each
// with its own VirtualService, against the API emulator in its own process (this file run as a
// script), and the real `tcpshift controller` process with --probe-mode light (one TCP
// connection per step to a tcpshift-echo server in this process: reachability only, no
// long-lived connections, no split test; see src/controller/light-prober.ts). Measured: time from
// creating the TCPShifts to every one Promoted, VirtualService writes per step (target exactly 1,
// from the emulator's request log), the controller's RSS (peak, from /proc; bound: the
// Deployment's 512 MiB memory limit), and the API requests per shift.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { echoShiftDocument } from '../../src/cli/demo.js';
import { startEchoServer } from '../../src/echo/index.js';
import { renderIstioResources, type IstioShift } from '../../src/istio/render.js';
import type { KubeObject } from '../../src/kube/index.js';
import { startApiServer } from '../../src/sandbox/apiserver/index.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import { silentLogger } from '../../src/util/logger.js';
import { packagePath } from '../../src/util/package-root.js';
import { ForkedServer } from '../forked-server.js';
import type { BenchOptions, BenchResult, BenchSuite } from '../suite.js';

const thisFile = fileURLToPath(import.meta.url);
const SERVER_FLAG = '--controller-bench-server';
const NS = 'bench';
const STEPS = [25, 50, 100];
const BAKE = '2s';
const RSS_BOUND = 512 * 2 ** 20;

interface Stats {
  promoted: number;
  phases: Record<string, number>;
  /** VirtualService patches per route name. */
  routePatches: number[];
  requests: Record<string, number>;
}

type ToServer = { create: { count: number; probeAddress: string } } | 'stats' | 'stop';
interface FromServer {
  kubeconfig?: string;
  created?: number;
  stats?: Stats;
}

const routeName = (i: number): string => `route-${String(i).padStart(4, '0')}`;

/** The route of a TCPShift at canary 0, as `tcpshift render` writes it. */
function virtualService(shift: KubeObject): KubeObject {
  const parsed = parseTCPShiftObject(shift);
  if (!parsed.ok) throw new Error(`the benchmark's TCPShift is invalid: ${JSON.stringify(parsed.issues)}`);
  return renderIstioResources(parsed.shift as IstioShift, 0).find((o) => (o as KubeObject).kind === 'VirtualService') as KubeObject;
}

function tcpShift(name: string, probeAddress: string): KubeObject {
  const doc = echoShiftDocument({
    name,
    schedule: { steps: STEPS, bake: BAKE },
    probe: { address: probeAddress, identify: { mode: 'banner' }, longLived: { connections: 0, heartbeat: '1s', timeout: '2s' }, newConnections: { perStep: 100, concurrency: 1 } },
    analysis: { drainDuration: '500ms' },
  }) as KubeObject & { spec: { target: Record<string, unknown> } };
  return { ...doc, metadata: { name, namespace: NS }, spec: { ...doc.spec, target: { ...doc.spec.target, virtualService: name } } };
}

async function serveForBench(): Promise<void> {
  const server = await startApiServer({ historyLimit: 50_000 });
  server.installCrds(readFileSync(packagePath('schemas', 'istio-crds.yaml'), 'utf8'));
  server.installCrds(readFileSync(packagePath('manifests', 'crd', 'tcpshift.io_tcpshifts.yaml'), 'utf8'));
  for (const name of [NS, 'tcpshift-system']) server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const send = (m: FromServer): boolean => process.send?.(m) ?? false;
  let count = 0;
  process.on('message', (m: ToServer) => {
    if (m === 'stop') {
      void server.close().then(() => process.disconnect());
    } else if (m === 'stats') {
      send({ stats: stats(server, count) });
    } else {
      count = m.create.count;
      const shifts = Array.from({ length: count }, (_, i) => tcpShift(routeName(i), m.create.probeAddress));
      for (const shift of shifts) server.objects.create(virtualService(shift));
      for (const shift of shifts) server.objects.create(shift);
      send({ created: count });
    }
  });
  send({ kubeconfig: server.kubeconfig() });
}

function stats(server: Awaited<ReturnType<typeof startApiServer>>, count: number): Stats {
  const phases: Record<string, number> = {};
  for (const o of server.objects.list('tcpshift.io/v1alpha1', 'TCPShift', NS)) {
    const phase = (o.status as { phase?: string } | undefined)?.phase ?? 'none';
    phases[phase] = (phases[phase] ?? 0) + 1;
  }
  const patches = new Map<string, number>();
  for (const r of server.requestLog()) if (r.verb === 'patch' && r.resource === 'virtualservices') patches.set(r.name ?? '', (patches.get(r.name ?? '') ?? 0) + 1);
  return {
    promoted: phases.Promoted ?? 0,
    phases,
    routePatches: Array.from({ length: count }, (_, i) => patches.get(routeName(i)) ?? 0),
    requests: server.requestCounts(),
  };
}

if (process.argv[2] === SERVER_FLAG) await serveForBench();

/** The controller process, its JSON log lines, its RSS from /proc. */
class ControllerProcess {
  private buffered = '';
  private leading = false;
  peakRss = 0;
  private readonly exited: Promise<unknown>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      this.buffered += d;
      if (this.buffered.includes('"leading: reconciling TCPShifts"')) this.leading = true;
      this.buffered = this.buffered.slice(-4096);
    });
    child.stderr?.resume();
    this.exited = new Promise((resolve) => child.once('exit', resolve));
  }

  static start(kubeconfigPath: string, quick: boolean): ControllerProcess {
    const cli = path.resolve(path.dirname(thisFile), '..', '..', 'cmd', 'tcpshift.js');
    const args = ['controller', '--kubeconfig', kubeconfigPath, '--identity', 'bench', '--lease-namespace', 'tcpshift-system', '--health-port', '0', '--metrics-port', '0', '--probe-mode', 'light', '--probe-allow', '127.0.0.0/8', '--workers', quick ? '8' : '16'];
    return new ControllerProcess(spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  async waitLeading(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.leading) {
      if (Date.now() > deadline) throw new Error('the controller did not lead');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async rss(): Promise<number> {
    const status = await readFile(`/proc/${this.child.pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    this.peakRss = Math.max(this.peakRss, kb * 1024);
    return kb * 1024;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function run(options: BenchOptions): Promise<BenchResult> {
  const shifts = options.quick ? 200 : 1000;
  const server = await ForkedServer.start<ToServer, FromServer>(thisFile, SERVER_FLAG);
  const echo = await startEchoServer({ version: 'v1', ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-bench-controller-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, server.kubeconfig, { mode: 0o600 });
  const controller = ControllerProcess.start(kubeconfigPath, options.quick);
  try {
    await controller.waitLeading();
    const idleRss = await controller.rss();
    options.log(`controller leading, RSS ${mib(idleRss)}; creating ${shifts} VirtualServices and TCPShifts`);
    const started = performance.now();
    await server.ask({ create: { count: shifts, probeAddress: `127.0.0.1:${echo.ports[0]}` } }, 'created');
    let last: Stats | undefined;
    const deadline = Date.now() + 10 * 60_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      await controller.rss();
      last = await server.ask('stats', 'stats');
      if (last.promoted === shifts) break;
    }
    const timeToFinishMs = Math.round(performance.now() - started);
    if (!last || last.promoted !== shifts) throw new Error(`not every shift promoted: ${JSON.stringify(last?.phases)}`);
    await controller.rss();
    options.log(`all ${shifts} promoted in ${timeToFinishMs} ms; peak RSS ${mib(controller.peakRss)}`);
    options.log(`API requests per shift: ${Object.entries(last.requests).map(([k, n]) => `${k} ${(n / shifts).toFixed(2)}`).join(', ')}`);
    const totalPatches = last.routePatches.reduce((a, b) => a + b, 0);
    const writesPerStep = totalPatches / (shifts * STEPS.length);
    const maxPerRoute = Math.max(...last.routePatches);
    const requests = Object.values(last.requests).reduce((a, b) => a + b, 0);
    const minimumMs = STEPS.length * 2000;
    return {
      block: {
        shifts,
        writesPerStep,
        rssBytes: controller.peakRss,
        timeToFinishMs,
        idleRssBytes: idleRss,
        rssBytesPerShift: Math.round((controller.peakRss - idleRss) / shifts),
        apiRequestsPerShift: Number((requests / shifts).toFixed(1)),
        steps: STEPS.length,
        bakeMs: 2000,
        probeMode: 'light',
      },
      rows: [
        { metric: 'shifts progressing at once', value: String(shifts), target: options.quick ? '200 (quick)' : '1,000' },
        { metric: 'time to finish (all Promoted)', value: `${(timeToFinishMs / 1000).toFixed(1)} s`, target: `>= ${minimumMs / 1000} s (${STEPS.length} steps x ${BAKE} bake)` },
        { metric: 'VirtualService writes per step', value: `${writesPerStep.toFixed(3)} (max ${maxPerRoute} per route of ${STEPS.length} steps)`, target: '1', pass: writesPerStep === 1 && maxPerRoute === STEPS.length },
        { metric: 'controller RSS (peak)', value: `${mib(controller.peakRss)} (idle ${mib(idleRss)}, ${((controller.peakRss - idleRss) / shifts / 1024).toFixed(1)} KiB per shift)`, target: `< ${mib(RSS_BOUND)} (Deployment limit)`, pass: controller.peakRss < RSS_BOUND },
        { metric: 'API requests per shift', value: (requests / shifts).toFixed(1), target: 'informative' },
      ],
    };
  } finally {
    await controller.stop();
    await echo.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  key: 'controller',
  title: 'Controller: TCPShifts progressing at once against the API emulator (light probes)',
  run,
};
