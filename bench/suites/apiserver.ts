// Benchmark `apiserver`: the Kubernetes API emulator must never be the bottleneck of the
// controller benchmark (1,000 TCPShifts progressing at once). Measured over real HTTPS against
// the emulator running in its own process (this same file run as a script):
//  - writes/s: JSON patches guarded by a `test` op (the controller's weight write) on 1,000
//    VirtualServices validated against the real Istio schema, 32 in flight over keep-alive
//    connections; the same through src/kube (@kubernetes/client-node), whose client-side cost is
//    part of what the controller pays;
//  - watch fan-out: 100 watchers of the same resource, every write delivered to all of them;
//    events delivered per second and write-to-delivery latency.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { KubeClient, type VirtualService } from '../../src/kube/index.js';
import { startApiServer } from '../../src/sandbox/apiserver/api-server.js';
import { packagePath } from '../../src/util/package-root.js';
import type { BenchOptions, BenchResult, BenchRow, BenchSuite } from '../suite.js';

const thisFile = fileURLToPath(import.meta.url);
const SERVER_FLAG = '--apiserver-bench-server';
const NS = 'default';
const VS_PATH = `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`;

interface ServerInfo {
  url: string;
  token: string;
  caPem: string;
  kubeconfig: string;
}

type ToServer = 'rss' | 'watches' | 'stop';
interface FromServer {
  info?: ServerInfo;
  rss?: number;
  watches?: number;
}

async function serveForBench(): Promise<void> {
  const server = await startApiServer({ historyLimit: 10_000 });
  server.installCrds(readFileSync(packagePath('schemas', 'istio-crds.yaml'), 'utf8'));
  const send = (m: FromServer): boolean => process.send?.(m) ?? false;
  process.on('message', (m: ToServer) => {
    if (m === 'rss') send({ rss: process.memoryUsage().rss });
    else if (m === 'watches') send({ watches: server.watchCount() });
    else void server.close().then(() => process.disconnect());
  });
  send({ info: { url: server.url, token: server.token, caPem: server.caPem, kubeconfig: server.kubeconfig() } });
}

if (process.argv[2] === SERVER_FLAG) await serveForBench();

class ServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly info: ServerInfo,
  ) {}

  static start(): Promise<ServerProcess> {
    const child = fork(thisFile, [SERVER_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('message', (m: FromServer) => (m.info ? resolve(new ServerProcess(child, m.info)) : reject(new Error('emulator did not start'))));
    });
  }

  ask<K extends keyof FromServer>(question: ToServer & K): Promise<NonNullable<FromServer[K]>> {
    return new Promise((resolve) => {
      const onMessage = (m: FromServer): void => {
        const answer = m[question];
        if (answer === undefined) return;
        this.child.off('message', onMessage);
        resolve(answer);
      };
      this.child.on('message', onMessage);
      this.child.send(question);
    });
  }

  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('stop');
    await closed;
  }
}

class Http {
  readonly agent: Agent;
  constructor(private readonly info: ServerInfo, sockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, ca: info.caPem });
  }

  send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.info.url), { method, agent: this.agent, headers: { Authorization: `Bearer ${this.info.token}`, 'Content-Type': contentType } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}

function vs(name: string): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: NS },
    spec: {
      hosts: ['*'],
      gateways: ['echo-gateway'],
      tcp: [{ match: [{ port: 31400 }], route: [{ destination: { host: 'echo', subset: 'v1', port: { number: 9000 } }, weight: 0 }, { destination: { host: 'echo', subset: 'v2', port: { number: 9000 } }, weight: 0 }] }],
    },
  };
}

/** The controller's write: set the canary weight, guarded by a test of the current one. */
function weightPatch(from: number, to: number): unknown[] {
  return [
    { op: 'test', path: '/spec/tcp/0/route/1/weight', value: from },
    { op: 'replace', path: '/spec/tcp/0/route/1/weight', value: to },
    { op: 'replace', path: '/spec/tcp/0/route/0/weight', value: 100 - to },
  ];
}

/** Run `total` jobs, `concurrency` at a time; returns per-job latencies (ms) and the elapsed time. */
async function runLoad(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<{ latencies: Float64Array; ms: number }> {
  const latencies = new Float64Array(total);
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      const t = performance.now();
      await job(i);
      latencies[i] = performance.now() - t;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, ms: performance.now() - started };
}

function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * The object job i writes, never one with a write in flight (a second guarded write to it would
 * fail its `test`): the next free one from i % objects.
 */
class ObjectPicker {
  private readonly busy: Uint8Array;
  constructor(private readonly objects: number) {
    this.busy = new Uint8Array(objects);
  }
  async with(i: number, write: (o: number) => Promise<void>): Promise<void> {
    let o = i % this.objects;
    while (this.busy[o]) o = (o + 1) % this.objects;
    this.busy[o] = 1;
    try {
      await write(o);
    } finally {
      this.busy[o] = 0;
    }
  }
}

interface WriteResult {
  perSecond: number;
  p50: number;
  p99: number;
}

async function seed(http: Http, objects: number): Promise<void> {
  await runLoad(objects, 16, async (i) => {
    const status = await http.send('POST', VS_PATH, vs(`shift-${i}`));
    if (status !== 201) throw new Error(`create shift-${i}: HTTP ${status}`);
  });
}

async function rawWrites(http: Http, objects: number, writes: number, weights: number[]): Promise<WriteResult> {
  const picker = new ObjectPicker(objects);
  const { latencies, ms } = await runLoad(writes, 32, (i) =>
    picker.with(i, async (o) => {
      const to = (weights[o] as number) === 50 ? 10 : 50;
      const status = await http.send('PATCH', `${VS_PATH}/shift-${o}`, weightPatch(weights[o] as number, to), 'application/json-patch+json');
      if (status !== 200) throw new Error(`patch shift-${o}: HTTP ${status}`);
      weights[o] = to;
    }),
  );
  return { perSecond: (writes / ms) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function clientNodeWrites(info: ServerInfo, objects: number, writes: number, weights: number[]): Promise<WriteResult> {
  const client = KubeClient.connect({ kubeconfigText: info.kubeconfig }, { retry: { maxAttempts: 1 } });
  try {
    const picker = new ObjectPicker(objects);
    const { latencies, ms } = await runLoad(writes, 32, (i) =>
      picker.with(i, async (o) => {
        const to = (weights[o] as number) === 50 ? 10 : 50;
        await client.virtualServices.patch(`shift-${o}`, NS, { type: 'json', ops: weightPatch(weights[o] as number, to) as never });
        weights[o] = to;
      }),
    );
    return { perSecond: (writes / ms) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    client.close();
  }
}

interface FanOut {
  eventsPerSecond: number;
  delivered: number;
  expected: number;
  p50: number;
  p99: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/** One watcher: counts events carrying our stamp and records write-to-delivery latency. */
function openWatcher(info: ServerInfo, agent: Agent, fromRv: string, onEvent: (latencyMs: number) => void): () => void {
  const req = request(new URL(`${VS_PATH}?watch=true&resourceVersion=${fromRv}`, info.url), { agent, headers: { Authorization: `Bearer ${info.token}` } }, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const stamp = /"bench-stamp":"([\d.]+)"/.exec(line);
        if (stamp) onEvent(now() - Number(stamp[1]));
        nl = buffer.indexOf('\n');
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return () => req.destroy();
}

async function currentRevision(http: Http, info: ServerInfo): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(`${VS_PATH}?limit=1`, info.url), { agent: http.agent, headers: { Authorization: `Bearer ${info.token}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve((JSON.parse(body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion));
    });
    req.on('error', reject);
    req.end();
  });
}

async function fanOut(server: ServerProcess, http: Http, watchers: number, writes: number, objects: number): Promise<FanOut> {
  const agent = new Agent({ keepAlive: false, maxSockets: watchers + 8, ca: server.info.caPem });
  const latencies = new Float64Array(watchers * writes);
  let delivered = 0;
  const rv = await currentRevision(http, server.info);
  const closers = Array.from({ length: watchers }, () => openWatcher(server.info, agent, rv, (ms) => (latencies[delivered++] = ms)));
  while ((await server.ask('watches')) < watchers) await new Promise((r) => setTimeout(r, 20));
  const expected = watchers * writes;
  const started = performance.now();
  await runLoad(writes, 8, async (i) => {
    const body = { metadata: { annotations: { 'bench-stamp': String(now()) } } };
    await http.send('PATCH', `${VS_PATH}/shift-${i % objects}`, body, 'application/merge-patch+json');
  });
  for (let waited = 0; delivered < expected && waited < 30_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  const ms = performance.now() - started;
  for (const close of closers) close();
  agent.destroy();
  const got = latencies.subarray(0, delivered);
  return { eventsPerSecond: (delivered / ms) * 1000, delivered, expected, p50: percentile(got, 50), p99: percentile(got, 99) };
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

function rows(objects: number, raw: WriteResult, viaClient: WriteResult, fan: FanOut, watchers: number, rss: number): BenchRow[] {
  return [
    {
      metric: `emulator writes/s (JSON patch with test op, ${objects} VirtualServices, Istio schema, 32 in flight)`,
      value: `${Math.round(raw.perSecond)} /s (p50 ${round(raw.p50)} ms, p99 ${round(raw.p99)} ms)`,
      target: '≥ 1,000 /s: a step of 1,000 shifts in about a second',
      pass: raw.perSecond >= 1000,
    },
    {
      metric: 'the same writes through src/kube (@kubernetes/client-node)',
      value: `${Math.round(viaClient.perSecond)} /s (p50 ${round(viaClient.p50)} ms, p99 ${round(viaClient.p99)} ms)`,
      target: 'informative (client cost included)',
    },
    {
      metric: `watch fan-out to ${watchers} watchers`,
      value: `${Math.round(fan.eventsPerSecond)} events/s delivered (${fan.delivered} of ${fan.expected})`,
      target: 'every event to every watcher, ≥ 20,000 events/s',
      pass: fan.delivered === fan.expected && fan.eventsPerSecond >= 20_000,
    },
    {
      metric: 'write-to-delivery latency at the watchers',
      value: `p50 ${round(fan.p50)} ms, p99 ${round(fan.p99)} ms`,
      target: 'p99 < 250 ms',
      pass: fan.p99 < 250,
    },
    { metric: 'emulator RSS after the run', value: `${Math.round(rss / 2 ** 20)} MiB`, target: 'informative' },
  ];
}

export const suite: BenchSuite = {
  key: 'apiserver',
  title: 'Kubernetes API emulator: writes/s and watch fan-out',
  async run(options: BenchOptions): Promise<BenchResult> {
    const objects = options.quick ? 300 : 1000;
    const writes = options.quick ? 3000 : 10_000;
    const watchers = 100;
    const fanWrites = options.quick ? 500 : 2000;
    const server = await ServerProcess.start();
    const http = new Http(server.info, 32);
    try {
      await seed(http, objects);
      options.log(`seeded ${objects} VirtualServices`);
      const weights = Array.from({ length: objects }, () => 0);
      const raw = await rawWrites(http, objects, writes, weights);
      options.log(`raw writes: ${Math.round(raw.perSecond)}/s`);
      const viaClient = await clientNodeWrites(server.info, objects, Math.round(writes / 2), weights);
      options.log(`client-node writes: ${Math.round(viaClient.perSecond)}/s`);
      const fan = await fanOut(server, http, watchers, fanWrites, objects);
      options.log(`fan-out: ${Math.round(fan.eventsPerSecond)} events/s`);
      const rss = await server.ask('rss');
      return {
        block: {
          objects,
          writesPerSecond: Math.round(raw.perSecond),
          writeP50Ms: round(raw.p50),
          writeP99Ms: round(raw.p99),
          clientNodeWritesPerSecond: Math.round(viaClient.perSecond),
          watchers,
          fanoutEventsPerSecond: Math.round(fan.eventsPerSecond),
          fanoutP50Ms: round(fan.p50),
          fanoutP99Ms: round(fan.p99),
          serverRssBytes: rss,
        },
        rows: rows(objects, raw, viaClient, fan, watchers, rss),
      };
    } finally {
      http.agent.destroy();
      await server.stop();
    }
  },
};
