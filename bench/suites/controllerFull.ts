// Benchmark `controllerFull`: the controller with FULL probes (the default SocketProber, not
// --probe-mode light): 200 TCPShifts at once (50 with --quick), each with its own VirtualService
// and its own gateway stand-in that routes new connections to a v1 or v2 echo server by that
// route's current weights (bench/controller-fleet.ts), each shift keeping long-lived connections
// heart-beaten every second across its steps and sampling new connections with the split test.
// Targets: every shift promoted (0 false breaches), 0 missed heartbeats (no long-lived end of
// kind timeout), controller RSS (peak) under the Deployment's 512 MiB limit; CPU reported.
import { mib, runFleet, type FleetShift } from '../controller-fleet.js';
import type { BenchOptions, BenchResult, BenchSuite } from '../suite.js';
import { RSS_BOUND } from './controller.js';

const STEPS = [25, 50, 100];
const LONG_LIVED = 5;
const CONCURRENCY = 2;

function fullShift(quick: boolean): FleetShift {
  return {
    steps: STEPS,
    bake: quick ? '10s' : '20s',
    probe: {
      identify: { mode: 'banner' },
      longLived: { connections: LONG_LIVED, heartbeat: '1s', timeout: '2s' },
      newConnections: { perStep: quick ? 60 : 100, concurrency: CONCURRENCY },
    },
    // 400 split tests (2 steps below 100 % x 200 shifts): at confidence 0.999 about 0.4 statistical false alarms are expected in a run.
    analysis: { drainDuration: '500ms', splitTolerance: 0.2, splitConfidence: 0.999 },
  };
}

async function run(options: BenchOptions): Promise<BenchResult> {
  const shifts = options.quick ? 50 : 200;
  const shift = fullShift(options.quick);
  const fleet = await runFleet({ shifts, shift, backend: 'weighted', controllerArgs: ['--workers', options.quick ? '8' : '16'], log: (line) => options.log(line), timeoutMs: 15 * 60_000 });
  const { stats, timeToFinishMs, idleRssBytes, peakRssBytes, cpuPercent } = fleet;
  const missed = stats.ends.timeout ?? 0;
  const falseBreaches = stats.breachedSteps + (shifts - stats.promoted);
  const otherEnds = Object.entries(stats.ends).filter(([kind, n]) => kind !== 'timeout' && n > 0);
  return {
    block: {
      shifts,
      longLivedPerShift: LONG_LIVED,
      heartbeatMs: 1000,
      heartbeats: stats.heartbeats,
      missed,
      falseBreaches,
      rssBytes: peakRssBytes,
      idleRssBytes,
      rssBytesPerShift: Math.round((peakRssBytes - idleRssBytes) / shifts),
      cpuPercent,
      timeToFinishMs,
      probeMode: 'full',
    },
    rows: [
      { metric: 'shifts with full probes at once', value: `${shifts} (${LONG_LIVED} long-lived + ${CONCURRENCY} sampling connections each, bake ${shift.bake})`, target: options.quick ? '50 (quick)' : '200' },
      { metric: 'shifts promoted / false breaches', value: `${stats.promoted} / ${falseBreaches}`, target: `${shifts} / 0`, pass: stats.promoted === shifts && falseBreaches === 0 },
      { metric: 'missed heartbeats (timeout ends)', value: `${missed} of ${stats.heartbeats} heartbeats${otherEnds.length ? `; other ends: ${otherEnds.map(([k, n]) => `${n} ${k}`).join(', ')}` : ''}`, target: '0', pass: missed === 0 },
      { metric: 'controller RSS (peak)', value: `${mib(peakRssBytes)} (idle ${mib(idleRssBytes)}, ${((peakRssBytes - idleRssBytes) / shifts / 1024).toFixed(1)} KiB per shift)`, target: `< ${mib(RSS_BOUND)} (Deployment limit)`, pass: peakRssBytes < RSS_BOUND },
      { metric: 'controller CPU', value: `${cpuPercent} % of one core over ${(timeToFinishMs / 1000).toFixed(1)} s`, target: 'informative' },
    ],
  };
}

export const suite: BenchSuite = {
  key: 'controllerFull',
  title: 'Controller: TCPShifts with full probes (long-lived + new connections) at once',
  run,
};
