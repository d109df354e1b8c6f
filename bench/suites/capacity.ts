// capacity: 10,000 long-lived probe connections at a 1 s heartbeat from one process (one core),
// against an echo server in another process: missed heartbeats, RSS per connection, CPU.
import { startEchoServer, startNodeChild } from '../probe-bench-support.js';
import type { BenchSuite } from '../suite.js';

interface CapacityFigures {
  connections: number;
  open: number;
  openMs: number;
  rssBefore: number;
  rssOpen: number;
  windowMs: number;
  due: number;
  echoed: number;
  sent: number;
  ends: number;
  endsInWindow: number;
  cpuPercent: number;
}

const HEARTBEAT_MS = 1000;

export const suite: BenchSuite = {
  key: 'capacity',
  title: 'long-lived probe connections at a 1 s heartbeat in one prober process',
  async run(options) {
    const { quick } = options;
    const log = (line: string): void => options.log(line);
    const connections = quick ? 2000 : 10_000;
    const windowMs = quick ? 5000 : 10_000;
    const server = await startEchoServer();
    try {
      const prober = await startNodeChild<CapacityFigures>(
        'probe-capacity-child',
        ['--port', String(server.info.port), '--connections', String(connections), '--heartbeat-ms', String(HEARTBEAT_MS), '--window-ms', String(windowMs)],
        ['--expose-gc'],
      );
      await prober.stop();
      const f = prober.info;
      const bare = await startNodeChild<Pick<CapacityFigures, 'rssBefore' | 'rssOpen'>>(
        'probe-capacity-child',
        ['--bare', '--port', String(server.info.port), '--connections', String(connections), '--heartbeat-ms', String(HEARTBEAT_MS)],
        ['--expose-gc'],
      );
      await bare.stop();
      const bareRssPerConnection = Math.round((bare.info.rssOpen - bare.info.rssBefore) / connections);
      // Heartbeats due in the window that were not echoed in it, plus connections that ended.
      const missed = Math.max(0, f.due - f.echoed) + f.ends;
      const rssBytesPerConnection = Math.round((f.rssOpen - f.rssBefore) / connections);
      const cpuPercent = Number(f.cpuPercent.toFixed(1));
      log(`opened ${f.open}/${connections} in ${f.openMs} ms; window ${Math.round(f.windowMs)} ms: ${f.sent} sent, ${f.echoed} echoed, ${f.due} due, ${f.ends} ends`);
      return {
        block: { connections, heartbeatMs: HEARTBEAT_MS, missed, rssBytesPerConnection, cpuPercent },
        rows: [
          { metric: 'connections open', value: `${f.open} of ${connections}`, target: `${connections}`, pass: f.open === connections },
          { metric: 'missed heartbeats', value: `${missed} of ${f.due} due`, target: '<= 0.1 % of due, no ends', pass: f.ends === 0 && missed <= f.due / 1000 },
          { metric: 'RSS per connection (prober)', value: `${rssBytesPerConnection} B`, target: 'a few KB (<= 10 KiB)', pass: rssBytesPerConnection <= 10_240 },
          { metric: 'RSS per bare Node socket (baseline)', value: `${bareRssPerConnection} B`, target: 'informative' },
          { metric: 'prober CPU', value: `${cpuPercent} % of one core`, target: '< 100 % (fits one core)', pass: cpuPercent < 100 },
        ],
      };
    } finally {
      await server.stop();
    }
  },
};
