// A fleet of TCPShifts for the controller benchmarks (bench/suites/controller.ts with light
// probes, controllerFull.ts with full probes): the API emulator and the probed servers in their
// own process (this file forked with a flag, talking over IPC), the real `tcpshift controller`
// process, and what is measured of it: time to all Promoted, VirtualService writes per route,
// long-lived heartbeats and ends, peak RSS and CPU from /proc.
//
// Backends: `echo` is one tcpshift-echo server (v1) every shift probes (light probes only check
// reachability). `weighted` gives each shift its own gateway stand-in: a loopback listener that
// answers each new connection as v1 or v2 (banner, then echo) by the current weights of that
// shift's VirtualService (read from the emulator's store at accept, as a gateway applies the
// route it has to new connections), so the split test sees the weights move. The stand-in does not drain
// existing connections on a weight change (the mesh gateway emulator does; the benchmark
// measures the controller, with every long-lived connection expected to survive).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
  /** The first few breach reasons, `shift: reason`. */
  breachReasons: string[];
  /** The server process's (API emulator, stand-ins, echo servers) longest event-loop stall since the previous stats, ms. */
  serverLoopDelayMaxMs: number;
}

/** `stats` with `final` also counts the route writes (a scan of the request log: not while the shifts run). */
type ToServer = { create: { count: number; shift: FleetShift; backend: FleetBackend } } | { stats: { final: boolean } } | 'stop';
interface FromServer {
  kubeconfig?: string;
  created?: number;
  stats?: FleetStats;
}

export const routeName = (i: number): string => `route-${String(i).padStart(4, '0')}`;

/** The routing objects of a TCPShift at canary 0, as `tcpshift render` writes them (Gateway, DestinationRule, VirtualService). */
function rendered(shift: KubeObject, kind: string): KubeObject {
  const parsed = parseTCPShiftObject(shift);
  if (!parsed.ok) throw new Error(`the benchmark's TCPShift is invalid: ${JSON.stringify(parsed.issues)}`);
  return renderIstioResources(parsed.shift as IstioShift, 0).find((o) => (o as KubeObject).kind === kind) as KubeObject;
}

const virtualService = (shift: KubeObject): KubeObject => rendered(shift, 'VirtualService');

/**
 * What the pre-flight checks before a first write (src/shift/preflight): the Gateway and the
 * DestinationRule every route shares, the Service `echo` in namespace echo and one Running,
 * Ready pod per subset (nothing runs them: the probes go to the stand-ins).
 */
function createRoutingChain(server: ApiServer, shift: KubeObject): void {
  server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } });
  server.objects.create(rendered(shift, 'Gateway'));
  server.objects.create(rendered(shift, 'DestinationRule'));
  server.objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'tcp-echo', port: 9000 }] } });
  for (const version of ['v1', 'v2']) {
    const metadata = { name: `echo-${version}`, namespace: 'echo', labels: { app: 'echo', version } };
    server.objects.create({ apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'echo', image: 'tcpshift-echo' }] } });
    const status = { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] };
    server.objects.patch({ apiVersion: 'v1', kind: 'Pod', namespace: 'echo', name: metadata.name }, 'merge', { status }, 'status');
  }
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

/**
 * A gateway stand-in for one route with its two versions behind it, in one socket: each new
 * connection is answered as v1 or v2 by the route's weights at accept, with tcpshift-echo's
 * banner line that names the version, then echoes verbatim. (Piping to separate echo servers
 * doubled the sockets and event-loop turns of this process, whose stalls then showed up as
 * probe timeouts on a loaded machine.)
 */
async function weightedStandIn(server: ApiServer, route: string): Promise<net.Server> {
  const standIn = net.createServer((client) => {
    const version = Math.random() < canaryShare(server, route) ? 'v2' : 'v1';
    client.on('error', () => client.destroy());
    client.write(`Version: ${version} (${route}-${version})\n\n`);
    client.pipe(client);
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
  for (let i = 0; i < count; i++) standIns.push(await weightedStandIn(server, routeName(i)));
  return standIns.map((s) => `127.0.0.1:${listenPort(s)}`);
}

/**
 * The objects, ten shifts at a time with a turn of the event loop between (parsing and rendering
 * a shift takes milliseconds; 200 at once stalled this process, and the probes through its
 * stand-ins, for seconds).
 */
async function createFleet(server: ApiServer, create: { count: number; shift: FleetShift; backend: FleetBackend }, echoes: EchoServer[], standIns: net.Server[]): Promise<void> {
  const addresses = await probeAddresses(server, create.backend, create.count, echoes, standIns);
  const shifts = addresses.map((address, i) => tcpShift(routeName(i), create.shift, address));
  if (shifts[0]) createRoutingChain(server, shifts[0]);
  for (let i = 0; i < shifts.length; i += 10) {
    const batch = shifts.slice(i, i + 10);
    for (const s of batch) server.objects.create(virtualService(s));
    for (const s of batch) server.objects.create(s);
    await new Promise((resolve) => setImmediate(resolve));
  }
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
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  process.on('message', (m: ToServer) => {
    if (m === 'stop') {
      for (const s of standIns) s.close();
      void Promise.all([...echoes.map((e) => e.close()), server.close()]).then(() => process.disconnect());
    } else if ('stats' in m) {
      send({ stats: { ...fleetStats(server, count, m.stats.final), serverLoopDelayMaxMs: Math.round(loopDelay.max / 1e6) } });
      loopDelay.reset();
    } else {
      count = m.create.count;
      void createFleet(server, m.create, echoes, standIns).then(() => send({ created: count }));
    }
  });
  send({ kubeconfig: server.kubeconfig() });
}

interface StepJson {
  verdict?: string;
  reasons?: string[];
  longLived?: { heartbeats?: number; ends?: Record<string, number> };
}

function fleetStats(server: ApiServer, count: number, final: boolean): Omit<FleetStats, 'serverLoopDelayMaxMs'> {
  const stats: Omit<FleetStats, 'serverLoopDelayMaxMs'> = { promoted: 0, phases: {}, routePatches: [], requests: server.requestCounts(), heartbeats: 0, ends: {}, breachedSteps: 0, breachReasons: [] };
  for (const o of server.objects.list('tcpshift.io/v1alpha1', 'TCPShift', NS)) {
    const status = o.status as { phase?: string; steps?: StepJson[] } | undefined;
    const phase = status?.phase ?? 'none';
    stats.phases[phase] = (stats.phases[phase] ?? 0) + 1;
    for (const step of status?.steps ?? []) {
      if (step.verdict === 'breach') stats.breachedSteps++;
      if (step.verdict === 'breach' && stats.breachReasons.length < 5) stats.breachReasons.push(`${o.metadata.name ?? ''}: ${(step.reasons ?? []).join('; ')}`);
      stats.heartbeats += step.longLived?.heartbeats ?? 0;
      for (const [kind, n] of Object.entries(step.longLived?.ends ?? {})) stats.ends[kind] = (stats.ends[kind] ?? 0) + n;
    }
  }
  stats.promoted = stats.phases.Promoted ?? 0;
  if (!final) return stats;
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
    let nextReport = Date.now() + 5000;
    let cpuAtReport = cpuBefore;
    let serverStallMs = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const rss = await controller.rss();
      last = await server.ask({ stats: { final: false } }, 'stats');
      serverStallMs = Math.max(serverStallMs, last.serverLoopDelayMaxMs);
      if (Date.now() >= nextReport) {
        const cpu = await controller.cpuSeconds();
        run.log(`${JSON.stringify(last.phases)}; controller RSS ${mib(rss)}, CPU ${Math.round(((cpu - cpuAtReport) / 5) * 100)} %; server event-loop stall max ${serverStallMs} ms`);
        cpuAtReport = cpu;
        serverStallMs = 0;
        nextReport += 5000;
      }
      if (last.promoted === run.shifts || (last.phases.RolledBack ?? 0) + (last.phases.Failed ?? 0) > 0) break;
    }
    const timeToFinishMs = Math.round(performance.now() - started);
    const cpuPercent = Math.round((((await controller.cpuSeconds()) - cpuBefore) / (timeToFinishMs / 1000)) * 100);
    if (!last || last.promoted !== run.shifts) throw new Error(`not every shift promoted: ${JSON.stringify({ phases: last?.phases, ends: last?.ends, breachedSteps: last?.breachedSteps, breachReasons: last?.breachReasons })}`);
    last = await server.ask({ stats: { final: true } }, 'stats');
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
