// capacity: 10,000 long-lived probe connections at a 1 s heartbeat from one process (one core),
// against an echo server in another process: missed heartbeats, RSS per connection, CPU.
// RSS per connection is the growth from opening the second half of the connections divided by
// their number: the first burst also makes V8 reserve heap once (tens of MB, whatever N), which
// the average over all connections would charge to each. Both figures are shown, and Node's own
// cost per bare socket (measured the same way) for comparison. --quick keeps the 10,000
// connections (with fewer, memory per connection drowns in that fixed reservation and in V8's
// stepwise heap growth) and measures heartbeats over a shorter window.
import { startEchoServer, startNodeChild } from '../probe-bench-support.js';
import type { BenchOptions, BenchResult, BenchSuite } from '../suite.js';

interface RssFigures {
  rssBefore: number;
  rssHalf: number;
  rssOpen: number;
}

interface CapacityFigures extends RssFigures {
  connections: number;
  open: number;
  openMs: number;
  windowMs: number;
  due: number;
  echoed: number;
  sent: number;
  ends: number;
  cpuPercent: number;
}

const HEARTBEAT_MS = 1000;
const KIB = 1024;

function perConnection(f: RssFigures, connections: number): { marginal: number; average: number } {
  const secondHalf = connections - Math.floor(connections / 2);
  return {
    marginal: Math.round((f.rssOpen - f.rssHalf) / secondHalf),
    average: Math.round((f.rssOpen - f.rssBefore) / connections),
  };
}

/** The capacity measurement against a server on 127.0.0.1:port; `childArgs` add to the prober's (e.g. `--protocol redis`). */
export async function measureCapacity(options: BenchOptions, port: number, childArgs: string[] = []): Promise<BenchResult> {
  const { quick } = options;
  const log = (line: string): void => options.log(line);
  const connections = 10_000;
  const windowMs = quick ? 4000 : 15_000;
  const args = ['--port', String(port), '--connections', String(connections), '--heartbeat-ms', String(HEARTBEAT_MS), ...childArgs];
  const prober = await startNodeChild<CapacityFigures>('probe-capacity-child', [...args, '--window-ms', String(windowMs)], ['--expose-gc']);
  await prober.stop();
  const bare = await startNodeChild<RssFigures>('probe-capacity-child', [...args, '--bare'], ['--expose-gc']);
  await bare.stop();
  const f = prober.info;
  const rss = perConnection(f, connections);
  const bareRss = perConnection(bare.info, connections);
  // Heartbeats due in the window that were not echoed in it, plus connections that ended.
  const missed = Math.max(0, f.due - f.echoed) + f.ends;
  const cpuPercent = Number(f.cpuPercent.toFixed(1));
  log(`opened ${f.open}/${connections} in ${f.openMs} ms; window ${Math.round(f.windowMs)} ms: ${f.sent} sent, ${f.echoed} echoed, ${f.due} due, ${f.ends} ends`);
  return {
    block: { connections, heartbeatMs: HEARTBEAT_MS, missed, rssBytesPerConnection: rss.marginal, cpuPercent },
    rows: [
      { metric: 'connections open', value: `${f.open} of ${connections}`, target: `${connections}`, pass: f.open === connections },
      { metric: 'missed heartbeats', value: `${missed} of ${f.due} due`, target: '<= 0.1 % of due, no ends', pass: f.ends === 0 && missed <= f.due / 1000 },
      { metric: 'RSS per connection (prober)', value: `${rss.marginal} B`, target: 'a few KB (<= 8 KiB)', pass: rss.marginal <= 8 * KIB },
      { metric: 'RSS growth / connections (prober)', value: `${rss.average} B`, target: 'informative (includes the heap reserved once)' },
      { metric: 'RSS per bare Node socket (baseline)', value: `${bareRss.marginal} B`, target: 'informative' },
      { metric: 'prober CPU', value: `${cpuPercent} % of one core`, target: '< 100 % (fits one core)', pass: cpuPercent < 100 },
    ],
  };
}

export const suite: BenchSuite = {
  key: 'capacity',
  title: 'long-lived probe connections at a 1 s heartbeat in one prober process',
  async run(options) {
    const server = await startEchoServer();
    try {
      return await measureCapacity(options, server.info.port);
    } finally {
      await server.stop();
    }
  },
};
