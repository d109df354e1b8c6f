// The measured prober of the capacity benchmark, alone in its process so that its RSS and CPU
// are its own. Run with --expose-gc. Opens N long-lived connections to the echo server, lets
// them settle, then measures one window: heartbeats echoed vs due, ends, RSS growth and CPU.
// Prints one JSON line with the figures. With --bare it only opens plain sockets (no prober) and
// reports their RSS: the baseline of what Node needs per TCP connection at all.
import net from 'node:net';
import { LongLivedPool } from '../src/probe/index.js';
import { systemClock } from '../src/util/clock.js';

function arg(name: string): number {
  return Number(process.argv[process.argv.indexOf(name) + 1]);
}

const port = arg('--port');
const connections = arg('--connections');
const heartbeatMs = arg('--heartbeat-ms');
const windowMs = arg('--window-ms');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

if (process.argv.includes('--bare')) await bareBaseline();

/** RSS growth per plain connected socket that only reads (the banner). */
async function bareBaseline(): Promise<never> {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const sockets: net.Socket[] = [];
  let open = 0;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < connections; i++) {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('data', () => undefined);
      socket.on('connect', () => {
        if (++open === connections) resolve();
      });
      sockets.push(socket);
    }
  });
  await sleep(2 * heartbeatMs);
  gc();
  const rssOpen = process.memoryUsage().rss;
  for (const socket of sockets) socket.destroy();
  process.stdout.write(`${JSON.stringify({ connections, rssBefore, rssOpen })}\n`);
  process.exit(0);
}

gc();
const rssBefore = process.memoryUsage().rss;
const pool = new LongLivedPool({
  address: { host: '127.0.0.1', port },
  identify: { mode: 'banner' },
  connections,
  heartbeatMs,
  timeoutMs: 2 * heartbeatMs,
  clock: systemClock,
  openConcurrency: 500,
});
const openStarted = Date.now();
await pool.start();
const openMs = Date.now() - openStarted;
await sleep(2 * heartbeatMs); // every connection past its first heartbeats
gc();
const rssOpen = process.memoryUsage().rss;
const before = { counts: pool.heartbeatCounts(), ends: pool.ends().length, cpu: process.cpuUsage(), at: performance.now() };
await sleep(windowMs);
const cpu = process.cpuUsage(before.cpu);
const elapsed = performance.now() - before.at;
const counts = pool.heartbeatCounts();
const open = pool.snapshot().open;
const ends = pool.ends().length;
await pool.stop();
process.stdout.write(
  `${JSON.stringify({
    connections,
    open,
    openMs,
    rssBefore,
    rssOpen,
    windowMs: elapsed,
    due: Math.round((open * elapsed) / heartbeatMs),
    echoed: counts.echoed - before.counts.echoed,
    sent: counts.sent - before.counts.sent,
    ends,
    endsInWindow: ends - before.ends,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
  })}\n`,
);
