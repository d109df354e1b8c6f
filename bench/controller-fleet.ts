// A fleet of TCPShifts for the controller benchmarks (bench/suites/controller.ts with light
// probes, controllerFull.ts with full probes): the API emulator and the probed servers in their
// own process (this file forked with a flag, talking over IPC), the real `tcpshift controller`
// process, and what is measured of it: time to all Promoted, VirtualService writes per route,
// long-lived heartbeats and ends, peak RSS and CPU from /proc.
//
// Backends: `echo` is one tcpshift-echo server (v1) every shift probes (light probes only check
// reachability). `weighted` gives each shift its own gateway stand-in: a loopback listener that
// sends each new connection to a v1 or v2 echo server by the current weights of that shift's
// VirtualService (read from the emulator's store at accept, as a gateway applies the route it
// has to new connections), so the split test sees the weights move. The stand-in does not drain
// existing connections on a weight change (the mesh gateway emulator does; the benchmark
// measures the controller, with every long-lived connection expected to survive).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { echoShiftDocument } from '../src/cli/demo.js';
import { startEchoServer, type EchoServer } from '../src/echo/index.js';
import { renderIstioResources, type IstioShift } from '../src/istio/render.js';
import type { KubeObject } from '../src/kube/index.js';
import { startApiServer, type ApiServer } from '../src/sandbox/apiserver/index.js';
import { parseTCPShiftObject } from '../src/spec/parse-tcpshift.js';
import { silentLogger } from '../src/util/logger.js';
import { packagePath } from '../src/util/package-root.js';
import { ForkedServer } from './forked-server.js';

const thisFile = fileURLToPath(import.meta.url);
const SERVER_FLAG = '--controller-fleet-server';
const NS = 'bench';

/** What each TCPShift of the fleet runs (spec.schedule, spec.probe without address, spec.analysis). */
export interface FleetShift {
  steps: number[];
  bake: string;
  probe: Record<string, unknown>;
  analysis: Record<string, unknown>;
}

export type FleetBackend = 'echo' | 'weighted';

export interface FleetStats {
  promoted: number;
  phases: Record<string, number>;
  /** VirtualService patches per route name. */
  routePatches: number[];
  requests: Record<string, number>;
  /** Long-lived heartbeats echoed and ends by kind, summed over every shift's steps. */
  heartbeats: number;
  ends: Record<string, number>;
  /** Steps with verdict breach, over every shift. */
  breachedSteps: number;
}

type ToServer = { create: { count: number; shift: FleetShift; backend: FleetBackend } } | 'stats' | 'stop';
interface FromServer {
  kubeconfig?: string;
  created?: number;
  stats?: FleetStats;
}

export const routeName = (i: number): string => `route-${String(i).padStart(4, '0')}`;

/** The route of a TCPShift at canary 0, as `tcpshift render` writes it. */
function virtualService(shift: KubeObject): KubeObject {
  const parsed = parseTCPShiftObject(shift);
  if (!parsed.ok) throw new Error(`the benchmark's TCPShift is invalid: ${JSON.stringify(parsed.issues)}`);
  return renderIstioResources(parsed.shift as IstioShift, 0).find((o) => (o as KubeObject).kind === 'VirtualService') as KubeObject;
}

function tcpShift(name: string, shift: FleetShift, probeAddress: string): KubeObject {
  const doc = echoShiftDocument({
    name,
    schedule: { steps: shift.steps, bake: shift.bake },
    probe: { ...shift.probe, address: probeAddress },
    analysis: shift.analysis,
  }) as KubeObject & { spec: { target: Record<string, unknown> } };
  return { ...doc, metadata: { name, namespace: NS }, spec: { ...doc.spec, target: { ...doc.spec.target, virtualService: name } } };
}

interface RouteEntry {
  destination?: { subset?: string };
  weight?: number;
}

/** The canary (v2) share of the VirtualService's tcp route now (istiod: weight / sum; a lone destination takes all). */
function canaryShare(server: ApiServer, name: string): number {
  const vs = server.objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: NS, name }) as KubeObject & { spec?: { tcp?: Array<{ route?: RouteEntry[] }> } };
  const route = vs.spec?.tcp?.[0]?.route ?? [];
  if (route.length === 1) return route[0]?.destination?.subset === 'v2' ? 1 : 0;
  const total = route.reduce((sum, r) => sum + (r.weight ?? 0), 0);
  const canary = route.filter((r) => r.destination?.subset === 'v2').reduce((sum, r) => sum + (r.weight ?? 0), 0);
  return total > 0 ? canary / total : 0;
}

/** A gateway stand-in for one route: each new connection is piped to v1 or v2 by the route's weights at accept. */
async function weightedStandIn(server: ApiServer, route: string, upstream: { v1: number; v2: number }): Promise<net.Server> {
  const standIn = net.createServer((client) => {
    const port = Math.random() < canaryShare(server, route) ? upstream.v2 : upstream.v1;
    const backend = net.connect({ host: '127.0.0.1', port });
    client.on('error', () => backend.destroy());
    backend.on('error', () => client.destroy());
    client.pipe(backend).pipe(client);
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  return standIn;
}

const listenPort = (s: net.Server): number => (s.address() as net.AddressInfo).port;

/** Probe addresses for `count` shifts, one per route (weighted) or one shared echo (echo). */
async function probeAddresses(server: ApiServer, backend: FleetBackend, count: number, echoes: EchoServer[], standIns: net.Server[]): Promise<string[]> {
  const echo = (version: string): Promise<EchoServer> => startEchoServer({ version, ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
  if (backend === 'echo') {
    const v1 = await echo('v1');
    echoes.push(v1);
    return Array.from({ length: count }, () => `127.0.0.1:${v1.ports[0]}`);
  }
  const [v1, v2] = await Promise.all([echo('v1'), echo('v2')]);
  echoes.push(v1, v2);
  const upstream = { v1: v1.ports[0] ?? 0, v2: v2.ports[0] ?? 0 };
  for (let i = 0; i < count; i++) standIns.push(await weightedStandIn(server, routeName(i), upstream));
  return standIns.map((s) => `127.0.0.1:${listenPort(s)}`);
}

async function serveFleet(): Promise<void> {
  const server = await startApiServer({ historyLimit: 50_000 });
  server.installCrds(readFileSync(packagePath('schemas', 'istio-crds.yaml'), 'utf8'));
  server.installCrds(readFileSync(packagePath('manifests', 'crd', 'tcpshift.io_tcpshifts.yaml'), 'utf8'));
  for (const name of [NS, 'tcpshift-system']) server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const send = (m: FromServer): boolean => process.send?.(m) ?? false;
  const echoes: EchoServer[] = [];
  const standIns: net.Server[] = [];
  let count = 0;
  process.on('message', (m: ToServer) => {
    if (m === 'stop') {
      for (const s of standIns) s.close();
      void Promise.all([...echoes.map((e) => e.close()), server.close()]).then(() => process.disconnect());
    } else if (m === 'stats') {
      send({ stats: fleetStats(server, count) });
    } else {
      count = m.create.count;
      const { shift, backend } = m.create;
      void probeAddresses(server, backend, count, echoes, standIns).then((addresses) => {
        const shifts = addresses.map((address, i) => tcpShift(routeName(i), shift, address));
        for (const s of shifts) server.objects.create(virtualService(s));
        for (const s of shifts) server.objects.create(s);
        send({ created: count });
      });
    }
  });
  send({ kubeconfig: server.kubeconfig() });
}

interface StepJson {
  verdict?: string;
  longLived?: { heartbeats?: number; ends?: Record<string, number> };
}

function fleetStats(server: ApiServer, count: number): FleetStats {
  const stats: FleetStats = { promoted: 0, phases: {}, routePatches: [], requests: server.requestCounts(), heartbeats: 0, ends: {}, breachedSteps: 0 };
  for (const o of server.objects.list('tcpshift.io/v1alpha1', 'TCPShift', NS)) {
    const status = o.status as { phase?: string; steps?: StepJson[] } | undefined;
    const phase = status?.phase ?? 'none';
    stats.phases[phase] = (stats.phases[phase] ?? 0) + 1;
    for (const step of status?.steps ?? []) {
      if (step.verdict === 'breach') stats.breachedSteps++;
      stats.heartbeats += step.longLived?.heartbeats ?? 0;
      for (const [kind, n] of Object.entries(step.longLived?.ends ?? {})) stats.ends[kind] = (stats.ends[kind] ?? 0) + n;
    }
  }
  stats.promoted = stats.phases.Promoted ?? 0;
  const patches = new Map<string, number>();
  for (const r of server.requestLog()) if (r.verb === 'patch' && r.resource === 'virtualservices') patches.set(r.name ?? '', (patches.get(r.name ?? '') ?? 0) + 1);
  stats.routePatches = Array.from({ length: count }, (_, i) => patches.get(routeName(i)) ?? 0);
  return stats;
}

if (process.argv[2] === SERVER_FLAG) await serveFleet();

const CLOCK_TICKS_PER_SECOND = 100;

/** The controller process, its JSON log lines, its RSS and CPU time from /proc. */
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

  static start(kubeconfigPath: string, args: string[]): ControllerProcess {
    const cli = path.resolve(path.dirname(thisFile), '..', 'cmd', 'tcpshift.js');
    const base = ['controller', '--kubeconfig', kubeconfigPath, '--identity', 'bench', '--lease-namespace', 'tcpshift-system', '--health-port', '0', '--metrics-port', '0', '--probe-allow', '127.0.0.0/8'];
    return new ControllerProcess(spawn(process.execPath, [cli, ...base, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
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

  /** User + system CPU seconds so far (/proc/PID/stat fields 14 and 15). */
  async cpuSeconds(): Promise<number> {
    const stat = await readFile(`/proc/${this.child.pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / CLOCK_TICKS_PER_SECOND;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export interface FleetRun {
  shifts: number;
  shift: FleetShift;
  backend: FleetBackend;
  /** Extra controller flags (--probe-mode, --workers, ...). */
  controllerArgs: string[];
  log(line: string): void;
  /** Give up after this long. Default 10 min. */
  timeoutMs?: number;
}

export interface FleetResult {
  stats: FleetStats;
  timeToFinishMs: number;
  idleRssBytes: number;
  peakRssBytes: number;
  /** The controller's CPU use from creating the shifts to all promoted, in % of one core. */
  cpuPercent: number;
  apiRequests: number;
}

/** Start the server and the controller, create the fleet, wait until every shift is Promoted (or throw), stop everything. */
export async function runFleet(run: FleetRun): Promise<FleetResult> {
  const server = await ForkedServer.start<ToServer, FromServer>(thisFile, SERVER_FLAG);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-bench-controller-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, server.kubeconfig, { mode: 0o600 });
  const controller = ControllerProcess.start(kubeconfigPath, run.controllerArgs);
  try {
    await controller.waitLeading();
    const idleRssBytes = await controller.rss();
    run.log(`controller leading, RSS ${mib(idleRssBytes)}; creating ${run.shifts} VirtualServices and TCPShifts (${run.backend} backend)`);
    const cpuBefore = await controller.cpuSeconds();
    const started = performance.now();
    await server.ask({ create: { count: run.shifts, shift: run.shift, backend: run.backend } }, 'created');
    let last: FleetStats | undefined;
    const deadline = Date.now() + (run.timeoutMs ?? 10 * 60_000);
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      await controller.rss();
      last = await server.ask('stats', 'stats');
      if (last.promoted === run.shifts || (last.phases.RolledBack ?? 0) + (last.phases.Failed ?? 0) > 0) break;
    }
    const timeToFinishMs = Math.round(performance.now() - started);
    const cpuPercent = Math.round((((await controller.cpuSeconds()) - cpuBefore) / (timeToFinishMs / 1000)) * 100);
    if (!last || last.promoted !== run.shifts) throw new Error(`not every shift promoted: ${JSON.stringify({ phases: last?.phases, ends: last?.ends, breachedSteps: last?.breachedSteps })}`);
    await controller.rss();
    run.log(`all ${run.shifts} promoted in ${timeToFinishMs} ms; peak RSS ${mib(controller.peakRss)}, CPU ${cpuPercent} %`);
    run.log(`API requests per shift: ${Object.entries(last.requests).map(([k, n]) => `${k} ${(n / run.shifts).toFixed(2)}`).join(', ')}`);
    const apiRequests = Object.values(last.requests).reduce((a, b) => a + b, 0);
    return { stats: last, timeToFinishMs, idleRssBytes, peakRssBytes: controller.peakRss, cpuPercent, apiRequests };
  } finally {
    await controller.stop();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
