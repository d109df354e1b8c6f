// drainFree (issue 14): long-lived connections through the sandbox gateway across a 4-step shift,
// once with strategy route (the VirtualService tcp route's weights: every step replaces the
// listener's filter chain, which closes its connections when the drain ends) and once with
// strategy locality (the DestinationRule's distribute: EDS only), through the real routers;
// `tcpshift sandbox up` runs in its own process. Survival = connections still open at the end /
// opened at the start. Propagation = a locality weight write to the first new connection that
// follows it (all traffic flipped between v1 and v2), bounded by the EDS merge window + 100 ms.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../../src/kube/index.js';
import { percentile } from '../../src/probe/index.js';
import { createRouter, type TrafficRouter } from '../../src/router/index.js';
import type { SandboxInfo } from '../../src/sandbox/index.js';
import { parseTCPShiftText } from '../../src/spec/parse-tcpshift.js';
import { sleep, until } from '../probe-bench-support.js';
import type { BenchSuite } from '../suite.js';
import { answeringVersion } from './gateway.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DRAIN_MS = 1000;
const STEPS = [10, 25, 50, 100];

/** Open `n` connections (each has read its banner); `open()` counts those not closed since. */
async function hold(port: number, n: number): Promise<{ open(): number; close(): void }> {
  let closed = 0;
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Socket>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('data', () => resolve(socket));
      socket.on('error', () => undefined);
      socket.on('close', () => closed++);
    })),
  );
  return { open: () => n - closed, close: () => sockets.forEach((s) => s.destroy()) };
}

/** Step the router through STEPS, holding each step past the drain; the share of `n` connections left open. */
async function survival(router: TrafficRouter, port: number, n: number): Promise<number> {
  const held = await hold(port, n);
  for (const weight of STEPS) {
    await router.setCanaryWeight(weight);
    await sleep(DRAIN_MS + 1500);
  }
  const share = held.open() / n;
  held.close();
  await router.setCanaryWeight(0);
  return share;
}

/** Write all traffic to `version` and time until a new connection is answered by it. */
async function propagationMs(router: TrafficRouter, port: number, version: 'v1' | 'v2'): Promise<number> {
  const started = performance.now();
  await router.setCanaryWeight(version === 'v2' ? 100 : 0);
  while ((await answeringVersion(port)) !== version) {
    if (performance.now() - started > 10_000) throw new Error('the locality weight change never reached new connections');
  }
  return performance.now() - started;
}

function routerFor(kube: KubeClient, file: string): TrafficRouter {
  const parsed = parseTCPShiftText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${JSON.stringify(parsed.issues)}`);
  return createRouter(kube, parsed.shift);
}

export const suite: BenchSuite = {
  key: 'drainFree',
  title: 'drain-free shifts: long-lived survival under strategy route vs locality, locality weight propagation',
  async run(options) {
    const connections = options.quick ? 50 : 200;
    const flips = options.quick ? 4 : 10;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-bench-drainfree-'));
    const child = spawn(process.execPath, [path.join(here, '..', '..', 'cmd', 'tcpshift.js'), 'sandbox', 'up', '--dir', dir, '--drain', `${DRAIN_MS}ms`], { stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let kube: KubeClient | undefined;
    try {
      if (!(await until(() => existsSync(path.join(dir, 'sandbox.json')), 60_000))) throw new Error('tcpshift sandbox up did not come up');
      const info = JSON.parse(readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as SandboxInfo;
      kube = KubeClient.connect({ kubeconfig: info.kubeconfig });
      const portOf = (gatewayPort: number): number => info.gateways.find((g) => g.gatewayPort === gatewayPort)!.port;
      const route = routerFor(kube, path.join(dir, 'shift.yaml'));
      const locality = routerFor(kube, path.join(dir, 'shift-locality.yaml'));
      const survivedRoute = await survival(route, portOf(31400), connections);
      options.log(`route: ${Math.round(survivedRoute * 100)} % of ${connections} survived ${STEPS.length} steps`);
      const survivedLocality = await survival(locality, portOf(31401), connections);
      options.log(`locality: ${Math.round(survivedLocality * 100)} % of ${connections} survived ${STEPS.length} steps`);
      const propagation: number[] = [];
      for (let i = 0; i < flips; i++) propagation.push(await propagationMs(locality, portOf(31401), i % 2 === 0 ? 'v2' : 'v1'));
      const window = info.edsMergeWindowMs;
      const result = {
        connections,
        steps: STEPS.length,
        survivedRoute,
        survivedLocality,
        propagationP50Ms: Math.round(percentile(propagation, 0.5) ?? NaN),
        propagationMaxMs: Math.round(Math.max(...propagation)),
      };
      options.log(JSON.stringify(result));
      return {
        block: result,
        rows: [
          { metric: `long-lived connections surviving ${STEPS.length} steps, strategy locality`, value: `${Math.round(survivedLocality * 100)} % of ${connections}`, target: '100 %', pass: survivedLocality === 1 },
          { metric: `long-lived connections surviving ${STEPS.length} steps, strategy route (drain ${DRAIN_MS} ms)`, value: `${Math.round(survivedRoute * 100)} % of ${connections}`, target: '0 % (every step is a reconnect wave)', pass: survivedRoute === 0 },
          { metric: 'locality weight write to new connections, p50 / max', value: `${result.propagationP50Ms} / ${result.propagationMaxMs} ms`, target: `within the EDS merge window (${window} ms) + 100 ms`, pass: result.propagationMaxMs <= window + 100 },
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
