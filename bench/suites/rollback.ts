// Benchmark `rollback`: from the moment a breach is detected (a long-lived probe connection is
// cut: the pool pushes the end) to the moment the API acknowledges canary 0, through the real
// engine (SocketProber, ShiftRunner, AnnotationStatePort, IstioRouter, src/kube over HTTPS).
// The API emulator and the canary (a tcpshift-echo server that cuts its connections on cue) run
// in their own process (this file run as a script), as a cluster would. Target: detection + one
// API round trip, so the round trip of the same guarded PATCH is measured too, after the same
// idle time (an idle client and server answer slower than back-to-back requests).
import { readFileSync } from 'node:fs';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEchoServer, type EchoServer } from '../../src/echo/index.js';
import { echoShiftDocument } from '../../src/cli/demo.js';
import { renderIstioResources, type IstioShift } from '../../src/istio/render.js';
import { KubeClient, type KubeObject } from '../../src/kube/index.js';
import { percentile } from '../../src/probe/index.js';
import { createRouter, type TrafficRouter } from '../../src/router/index.js';
import { startApiServer } from '../../src/sandbox/apiserver/index.js';
import { acquireChange, AnnotationStatePort, initialState, ShiftRunner, SocketProber } from '../../src/shift/index.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { ResolvedShift } from '../../src/spec/resolved-shift.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { packagePath } from '../../src/util/package-root.js';
import { ForkedServer } from '../forked-server.js';
import type { BenchOptions, BenchResult, BenchSuite } from '../suite.js';

const thisFile = fileURLToPath(import.meta.url);
const SERVER_FLAG = '--rollback-bench-server';

/** The sandbox's echo route at 100 % v1, as `render` writes it. */
function virtualService(): KubeObject {
  const { shift } = parseTCPShiftObject(echoShiftDocument({ schedule: { steps: [50] }, probe: { address: '127.0.0.1:1' } })) as { shift: ResolvedShift };
  return renderIstioResources(shift as IstioShift, 0).find((o) => (o as KubeObject).kind === 'VirtualService') as KubeObject;
}

type ToServer = 'echo' | 'cut' | 'counts' | 'stop';
interface FromServer {
  kubeconfig?: string;
  echoPort?: number;
  cut?: boolean;
  /** Requests since the last cut, per `verb resource`. */
  counts?: Record<string, number>;
}

async function serveForBench(): Promise<void> {
  const server = await startApiServer();
  server.installCrds(readFileSync(packagePath('schemas', 'istio-crds.yaml'), 'utf8'));
  server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } });
  server.objects.create(virtualService());
  let echo: EchoServer | undefined;
  const send = (m: FromServer): boolean => process.send?.(m) ?? false;
  process.on('message', (m: ToServer) => {
    if (m === 'echo') {
      void startEchoServer({ version: 'v2', ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger }).then((e) => {
        echo = e;
        send({ echoPort: e.ports[0] });
      });
    } else if (m === 'cut') {
      server.resetRequestCounts();
      void echo?.close().then(() => send({ cut: true }));
    } else if (m === 'counts') send({ counts: server.requestCounts() });
    else void Promise.all([echo?.close(), server.close()]).then(() => process.disconnect());
  });
  send({ kubeconfig: server.kubeconfig() });
}

if (process.argv[2] === SERVER_FLAG) await serveForBench();

function shiftAt(port: number): ResolvedShift {
  const parsed = parseTCPShiftObject(
    echoShiftDocument({
      name: 'bench',
      schedule: { steps: [50], bake: '10m' },
      probe: { address: `127.0.0.1:${port}`, longLived: { connections: 4, heartbeat: '1s', timeout: '2s' }, newConnections: { perStep: 1 } },
    }),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.shift;
}

interface RollbackSample {
  /** First pushed end -> canary 0 acknowledged. */
  totalMs: number;
  /** First pushed end -> the rollback's PATCH handed to the client (the engine's own time). */
  engineMs: number;
  /** API requests from the cut to the end of the run: the rollback PATCH and the final state's. */
  requests: Record<string, number>;
}

/** A router that notes when the rollback's write starts (the engine's share of the time). */
function timedRouter(router: TrafficRouter, onUpdate: () => void): TrafficRouter {
  return {
    description: router.description,
    kind: router.kind,
    name: router.name,
    namespace: router.namespace,
    read: () => router.read(),
    snapshot: (o) => router.snapshot(o),
    annotationsOf: (o) => router.annotationsOf(o),
    validateWeight: (s, w) => router.validateWeight(s, w),
    setCanaryWeight: (w, o) => router.setCanaryWeight(w, o),
    watch: (f, o) => router.watch(f, o),
    update: (change, options) => {
      onUpdate();
      return router.update(change, options);
    },
  };
}

/** One shift to step 1, then the canary cuts its connections: detectedAt -> restoredAt. */
async function oneRollback(kube: KubeClient, server: ForkedServer<ToServer, FromServer>, run: number): Promise<RollbackSample> {
  const shift = shiftAt(await server.ask('echo', 'echoPort'));
  {
    let sent: number | undefined;
    let detected: number | undefined;
    let restored: number | undefined;
    const router = timedRouter(createRouter(kube, shift), () => {
      if (detected !== undefined) sent ??= performance.now();
    });
    await router.setCanaryWeight(0);
    const identity = `bench/${process.pid}/${run}`;
    const state = initialState(Date.now());
    const acquired = await router.update((current) => acquireChange(current, { mode: 'start', name: 'bench', identity, ttlMs: 600_000, now: Date.now(), state, stepCount: 1, resource: {} }));
    const prober = new SocketProber(shift.spec, systemClock);
    // Sub-millisecond marks: the first pushed end, and the acknowledgement of canary 0.
    prober.onEnd(() => (detected ??= performance.now()));
    const runner = new ShiftRunner({
      observer: { weightWritten: (weight, purpose) => { if (purpose === 'rollback' && weight === 0) restored ??= performance.now(); } },
      spec: shift.spec,
      state,
      route: { canaryWeight: 0, stableWeight: 100 },
      prober,
      port: new AnnotationStatePort({ router, identity, ttlMs: 600_000, clock: systemClock, stepCount: 1, basis: acquired.snapshot }),
      clock: systemClock,
    });
    const running = runner.run();
    while (runner.current().phase !== 'baking') await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, IDLE_MS)); // the step's write settles, the probes echo
    const cut = server.ask('cut', 'cut'); // every connection of the canary cut: the breach
    const final = await running;
    await cut;
    await prober.stop();
    const rb = final.rollback;
    if (final.phase !== 'rolled-back' || rb?.restoredAt === undefined || detected === undefined || restored === undefined || sent === undefined) {
      throw new Error(`run ${run} ended ${final.phase}: ${final.reason ?? ''}`);
    }
    return { totalMs: restored - detected, engineMs: sent - detected, requests: await server.ask('counts', 'counts') };
  }
}

/** Idle time before the breach, and before each measured PATCH. */
const IDLE_MS = 100;

/** Round trip of the guarded weight PATCH the rollback makes, for comparison. */
async function patchRoundTrips(kube: KubeClient, n: number, idleMs: number): Promise<number[]> {
  const router = createRouter(kube, shiftAt(1));
  let basis = await router.read();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    if (idleMs > 0) await new Promise((r) => setTimeout(r, idleMs));
    const started = performance.now();
    basis = (await router.setCanaryWeight(i % 2 === 0 ? 50 : 0, { basis })).snapshot;
    times.push(performance.now() - started);
  }
  return times;
}

async function run(options: BenchOptions): Promise<BenchResult> {
  const runs = options.quick ? 5 : 20;
  const server = await ForkedServer.start<ToServer, FromServer>(thisFile, SERVER_FLAG);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-rollback-bench-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, server.kubeconfig);
  const kube = KubeClient.connect({ kubeconfig });
  try {
    await patchRoundTrips(kube, 10, 0); // warm the connection and the server
    const rtt = await patchRoundTrips(kube, runs * 2, IDLE_MS);
    const samples: RollbackSample[] = [];
    for (let i = 0; i < runs; i++) {
      const sample = await oneRollback(kube, server, i);
      samples.push(sample);
      options.log(`rollback ${i + 1}/${runs}: ${sample.totalMs.toFixed(2)} ms (engine ${sample.engineMs.toFixed(2)} ms), requests ${JSON.stringify(sample.requests)}`);
    }
    const totals = samples.map((s) => s.totalMs);
    const p50 = percentile(totals, 0.5)!;
    const max = Math.max(...totals);
    const engineP50 = percentile(samples.map((s) => s.engineMs), 0.5)!;
    // The rollback's PATCH and the final state's PATCH; no read in between.
    const extraRequests = samples.filter((s) => Object.entries(s.requests).some(([k, n]) => k !== 'patch virtualservices' || n !== 2)).length;
    const rttP50 = percentile(rtt, 0.5)!;
    const round = (x: number): number => Number(x.toFixed(2));
    return {
      block: { detectionToRestoreMs: round(p50), p50Ms: round(p50), maxMs: round(max), engineP50Ms: round(engineP50), runs, apiRoundTripMs: round(rttP50) },
      rows: [
        { metric: 'breach detected -> canary 0 acknowledged, p50', value: `${round(p50)} ms`, target: 'detection + one API round trip' },
        { metric: 'breach detected -> canary 0 acknowledged, max', value: `${round(max)} ms`, target: `${runs} runs` },
        { metric: 'of which the engine (detection -> PATCH sent), p50', value: `${round(engineP50)} ms`, target: '<= 2 ms', pass: engineP50 <= 2 },
        { metric: 'API requests between detection and acknowledgement', value: extraRequests === 0 ? '1 (the PATCH)' : `more in ${extraRequests} runs`, target: '1', pass: extraRequests === 0 },
        { metric: `guarded PATCH round trip after ${IDLE_MS} ms idle (same client), p50`, value: `${round(rttP50)} ms`, target: 'for comparison' },
      ],
    };
  } finally {
    kube.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = { key: 'rollback', title: 'Breach to rollback written', run };
