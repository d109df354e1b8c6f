// gateway: the sandbox's mesh gateway emulator as a shift sees it, with `tcpshift sandbox up` in
// its own process (API, gateway and four echo pods): new connections per second through it at a
// 50/50 split, how long a weight patch takes to reach new connections, and how precisely the
// connections of a replaced route are closed when the drain ends.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../../src/kube/index.js';
import { percentile } from '../../src/probe/index.js';
import type { SandboxInfo } from '../../src/sandbox/index.js';
import { sampleAtFullSpeed, sleep, until } from '../probe-bench-support.js';
import type { BenchSuite } from '../suite.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DRAIN_MS = 2000;

/** The version named by the banner of one new connection, undefined when closed without one. */
export function answeringVersion(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /Version: (\S+)/.exec(text);
      if (m) {
        socket.destroy();
        resolve(m[1]);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(undefined));
  });
}

async function setWeights(kube: KubeClient, v1: number, v2: number): Promise<void> {
  await kube.virtualServices.patch('echo', 'echo', {
    type: 'json',
    ops: [
      { op: 'replace', path: '/spec/tcp/0/route/0/weight', value: v1 },
      { op: 'replace', path: '/spec/tcp/0/route/1/weight', value: v2 },
    ],
  });
}

/** Patch to all-`version` and time until a new connection is answered by it. */
async function propagationMs(kube: KubeClient, port: number, version: 'v1' | 'v2'): Promise<number> {
  const started = performance.now();
  await setWeights(kube, version === 'v1' ? 100 : 0, version === 'v2' ? 100 : 0);
  while ((await answeringVersion(port)) !== version) {
    if (performance.now() - started > 10_000) throw new Error('the weight change never reached new connections');
  }
  return performance.now() - started;
}

/** Hold `n` connections, replace the route, and return each close's delay after the patch started. */
async function drainDelays(kube: KubeClient, port: number, n: number): Promise<number[]> {
  const closedAt: number[] = [];
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Socket>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('data', () => resolve(socket));
      socket.on('error', () => undefined);
      socket.on('close', () => closedAt.push(performance.now()));
    })),
  );
  const started = performance.now();
  await setWeights(kube, 50, 50);
  await until(() => closedAt.length === n, DRAIN_MS + 10_000);
  for (const s of sockets) s.destroy();
  return closedAt.map((t) => t - started);
}

export const suite: BenchSuite = {
  key: 'gateway',
  title: 'sandbox mesh gateway: new connections per second, weight propagation, drain precision',
  async run(options) {
    const { quick } = options;
    const attempts = quick ? 5000 : 20_000;
    const held = quick ? 200 : 1000;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-bench-gateway-'));
    const child = spawn(process.execPath, [path.join(here, '..', '..', 'cmd', 'tcpshift.js'), 'sandbox', 'up', '--dir', dir, '--drain', `${DRAIN_MS}ms`], { stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let kube: KubeClient | undefined;
    try {
      if (!(await until(() => existsSync(path.join(dir, 'sandbox.json')), 30_000))) throw new Error('tcpshift sandbox up did not come up');
      const info = JSON.parse(readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as SandboxInfo;
      kube = KubeClient.connect({ kubeconfig: info.kubeconfig });
      const port = info.gateway.port;

      await setWeights(kube, 50, 50);
      await sleep(200);
      const { block, perSecond } = await sampleAtFullSpeed({ host: info.gateway.host, port }, attempts);
      options.log(`${block.succeeded}/${block.attempted} through the gateway at ${perSecond}/s, canary share ${block.observedCanaryShare}`);

      const propagation: number[] = [];
      for (let i = 0; i < 10; i++) propagation.push(await propagationMs(kube, port, i % 2 === 0 ? 'v2' : 'v1'));
      await sleep(DRAIN_MS + 500); // let the drains of those changes end
      await setWeights(kube, 100, 0);
      await sleep(DRAIN_MS + 500);
      const delays = await drainDelays(kube, port, held);
      const overshoot = delays.map((d) => d - DRAIN_MS);
      const early = overshoot.filter((o) => o < 0).length;
      const result = {
        perSecond,
        canaryShare: block.observedCanaryShare,
        propagationP50Ms: Math.round(percentile(propagation, 0.5) ?? NaN),
        propagationMaxMs: Math.round(Math.max(...propagation)),
        drainMs: DRAIN_MS,
        drainConnections: held,
        drainCloseP50Ms: Math.round(percentile(delays, 0.5) ?? NaN),
        drainCloseMaxMs: Math.round(Math.max(...delays)),
      };
      options.log(JSON.stringify(result));
      return {
        block: result,
        rows: [
          { metric: 'new connections per second through the gateway (50/50, 4 pods)', value: `${perSecond}/s`, target: '>= 1000/s (thousands)', pass: perSecond >= 1000 && block.failed === 0 },
          { metric: 'observed canary share at 50/50', value: String(block.observedCanaryShare), target: 'about 0.5', pass: Math.abs((block.observedCanaryShare ?? 0) - 0.5) < 0.05 },
          { metric: 'weight patch to new connections, p50 / max', value: `${result.propagationP50Ms} / ${result.propagationMaxMs} ms`, target: 'one API round trip + watch (< 250 ms)', pass: result.propagationMaxMs < 250 },
          { metric: `${held} old connections closed after a ${DRAIN_MS} ms drain, p50 / max`, value: `${result.drainCloseP50Ms} / ${result.drainCloseMaxMs} ms`, target: `none before ${DRAIN_MS} ms, all by ${DRAIN_MS + 250} ms`, pass: early === 0 && result.drainCloseMaxMs <= DRAIN_MS + 250 },
        ],
      };
    } finally {
      kube?.close();
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  },
};
