// The measured prober of the capacity benchmark, alone in its process so that its RSS and CPU
// are its own. Run with --expose-gc. Opens N long-lived connections to the echo server in two
// halves (RSS after each: the second half's growth is the cost of one more connection, free of
// the fixed heap reservation the first burst causes), lets them settle, then measures one
// window: heartbeats echoed vs due, ends, CPU. Prints one JSON line with the figures.
// With --bare it opens plain sockets that only read (no prober): Node's own cost per connection.
// With --protocol redis the pool speaks the redis preset (against redis-server: redisCapacity).
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
const half = Math.floor(connections / 2);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** RSS after settling for two heartbeats and a full GC. */
async function settledRss(): Promise<number> {
  await sleep(2 * heartbeatMs);
  gc();
  return process.memoryUsage().rss;
}

function openBare(count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  let open = 0;
  return new Promise((resolve) => {
    for (let i = 0; i < count; i++) {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('data', () => undefined);
      socket.on('connect', () => {
        if (++open === count) resolve(sockets);
      });
      sockets.push(socket);
    }
  });
}

/** `--protocol redis`: RESP PING/+PONG heartbeats (the redis preset) instead of echoed lines. */
const protocol = process.argv.includes('--protocol') ? process.argv[process.argv.indexOf('--protocol') + 1] : undefined;

function pool(count: number): LongLivedPool {
  return new LongLivedPool({
    address: { host: '127.0.0.1', port },
    identify: { mode: 'banner' },
    ...(protocol === 'redis' ? { protocol: { name: 'redis' } } : {}),
    connections: count,
    heartbeatMs,
    timeoutMs: 2 * heartbeatMs,
    clock: systemClock,
    openConcurrency: 500,
  });
}

async function bare(): Promise<void> {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const first = await openBare(half);
  const rssHalf = await settledRss();
  const second = await openBare(connections - half);
  const rssOpen = await settledRss();
  for (const socket of [...first, ...second]) socket.destroy();
  process.stdout.write(`${JSON.stringify({ connections, rssBefore, rssHalf, rssOpen })}\n`);
}

async function prober(): Promise<void> {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const openStarted = Date.now();
  const pools = [pool(half)];
  await pools[0]?.start();
  const rssHalf = await settledRss();
  pools.push(pool(connections - half));
  await pools[1]?.start();
  const openMs = Date.now() - openStarted;
  const rssOpen = await settledRss();
  const counts = (): { echoed: number; sent: number; ends: number; open: number } =>
    pools.reduce(
      (sum, p) => ({
        echoed: sum.echoed + p.heartbeatCounts().echoed,
        sent: sum.sent + p.heartbeatCounts().sent,
        ends: sum.ends + p.ends().length,
        open: sum.open + p.snapshot().open,
      }),
      { echoed: 0, sent: 0, ends: 0, open: 0 },
    );
  const before = { counts: counts(), cpu: process.cpuUsage(), at: performance.now() };
  await sleep(windowMs);
  const cpu = process.cpuUsage(before.cpu);
  const elapsed = performance.now() - before.at;
  const after = counts();
  await Promise.all(pools.map((p) => p.stop()));
  process.stdout.write(
    `${JSON.stringify({
      connections,
      open: after.open,
      openMs,
      rssBefore,
      rssHalf,
      rssOpen,
      windowMs: elapsed,
      due: Math.round((after.open * elapsed) / heartbeatMs),
      echoed: after.echoed - before.counts.echoed,
      sent: after.sent - before.counts.sent,
      ends: after.ends,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
    })}\n`,
  );
}

await (process.argv.includes('--bare') ? bare() : prober());
