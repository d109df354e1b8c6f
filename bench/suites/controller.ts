// Benchmark `controller`: 1,000 TCPShift resources progressing at once (200 with --quick), each
// with its own VirtualService, against the API emulator in its own process, and the real
// `tcpshift controller` process with --probe-mode light (one TCP connection per step to a
// tcpshift-echo server: reachability only, no long-lived connections, no split test; see
// src/controller/light-prober.ts). The fleet harness is bench/controller-fleet.ts (shared with
// controllerFull). Measured: time from creating the TCPShifts to every one Promoted,
// VirtualService writes per step (target exactly 1, from the emulator's request log), the
// controller's RSS (peak, from /proc; bound: the Deployment's 512 MiB memory limit), and the API
// requests per shift.
import { mib, runFleet, type FleetShift } from '../controller-fleet.js';
import type { BenchOptions, BenchResult, BenchSuite } from '../suite.js';

const STEPS = [25, 50, 100];
const BAKE = '2s';
export const RSS_BOUND = 512 * 2 ** 20;

const LIGHT_SHIFT: FleetShift = {
  steps: STEPS,
  bake: BAKE,
  probe: { identify: { mode: 'banner' }, longLived: { connections: 0, heartbeat: '1s', timeout: '2s' }, newConnections: { perStep: 100, concurrency: 1 } },
  analysis: { drainDuration: '500ms' },
};

async function run(options: BenchOptions): Promise<BenchResult> {
  const shifts = options.quick ? 200 : 1000;
  const fleet = await runFleet({ shifts, shift: LIGHT_SHIFT, backend: 'echo', controllerArgs: ['--probe-mode', 'light', '--workers', options.quick ? '8' : '16'], log: (line) => options.log(line) });
  const { stats, timeToFinishMs, idleRssBytes, peakRssBytes, apiRequests } = fleet;
  const totalPatches = stats.routePatches.reduce((a, b) => a + b, 0);
  const writesPerStep = totalPatches / (shifts * STEPS.length);
  const maxPerRoute = Math.max(...stats.routePatches);
  const minimumMs = STEPS.length * 2000;
  return {
    block: {
      shifts,
      writesPerStep,
      rssBytes: peakRssBytes,
      timeToFinishMs,
      idleRssBytes,
      rssBytesPerShift: Math.round((peakRssBytes - idleRssBytes) / shifts),
      apiRequestsPerShift: Number((apiRequests / shifts).toFixed(1)),
      steps: STEPS.length,
      bakeMs: 2000,
      probeMode: 'light',
    },
    rows: [
      { metric: 'shifts progressing at once', value: String(shifts), target: options.quick ? '200 (quick)' : '1,000' },
      { metric: 'time to finish (all Promoted)', value: `${(timeToFinishMs / 1000).toFixed(1)} s`, target: `>= ${minimumMs / 1000} s (${STEPS.length} steps x ${BAKE} bake)` },
      { metric: 'VirtualService writes per step', value: `${writesPerStep.toFixed(3)} (max ${maxPerRoute} per route of ${STEPS.length} steps)`, target: '1', pass: writesPerStep === 1 && maxPerRoute === STEPS.length },
      { metric: 'controller RSS (peak)', value: `${mib(peakRssBytes)} (idle ${mib(idleRssBytes)}, ${((peakRssBytes - idleRssBytes) / shifts / 1024).toFixed(1)} KiB per shift)`, target: `< ${mib(RSS_BOUND)} (Deployment limit)`, pass: peakRssBytes < RSS_BOUND },
      { metric: 'API requests per shift', value: (apiRequests / shifts).toFixed(1), target: 'informative' },
    ],
  };
}

export const suite: BenchSuite = {
  key: 'controller',
  title: 'Controller: TCPShifts progressing at once against the API emulator (light probes)',
  run,
};
