// detection: how long after a silent death (blackhole: no FIN, no RST) the prober notices, for
// 1,000 long-lived connections through the fault proxy. Target: max <= heartbeat + timeout.
import { LongLivedPool, percentile } from '../../src/probe/index.js';
import { startFaultProxy } from '../../src/sandbox/faults/index.js';
import { systemClock } from '../../src/util/clock.js';
import { sleep, startEchoServer, until } from '../probe-bench-support.js';
import type { BenchSuite } from '../suite.js';

const HEARTBEAT_MS = 1000;
const TIMEOUT_MS = 2000;

export const suite: BenchSuite = {
  key: 'detection',
  title: 'silent death (blackhole) to detection, long-lived connections through the fault proxy',
  async run(options) {
    const { quick } = options;
    const log = (line: string): void => options.log(line);
    const connections = quick ? 200 : 1000;
    const server = await startEchoServer();
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.info.port } });
    const pool = new LongLivedPool({
      address: { host: '127.0.0.1', port: proxy.port },
      identify: { mode: 'banner' },
      connections,
      heartbeatMs: HEARTBEAT_MS,
      timeoutMs: TIMEOUT_MS,
      clock: systemClock,
    });
    try {
      await pool.start();
      await sleep(2.5 * HEARTBEAT_MS);
      const healthy = pool.snapshot();
      log(`${healthy.open} open, ${healthy.heartbeats} heartbeats echoed, ${pool.ends().length} ends before the fault`);
      if (healthy.open !== connections || pool.ends().length > 0) throw new Error('the pool was not healthy before the fault');
      const faultAt = Date.now();
      proxy.setMode('blackhole');
      await until(() => pool.ends().length === connections, HEARTBEAT_MS + TIMEOUT_MS + 10_000);
      const ends = pool.ends();
      const wrong = ends.filter((e) => e.end !== 'timeout').length;
      const latencies = ends.map((e) => e.endedAt - faultAt);
      const p50Ms = percentile(latencies, 0.5) ?? Number.NaN;
      const maxMs = Math.max(...latencies);
      const bound = HEARTBEAT_MS + TIMEOUT_MS;
      log(`${ends.length} detected (${wrong} not classified timeout)`);
      return {
        block: { connections, heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS, p50Ms, maxMs },
        rows: [
          { metric: 'connections detected as timeout', value: `${ends.length - wrong} of ${connections}`, target: `all ${connections}`, pass: ends.length - wrong === connections },
          { metric: 'fault to detection p50', value: `${p50Ms} ms`, target: `<= ${bound} ms`, pass: p50Ms <= bound },
          { metric: 'fault to detection max', value: `${maxMs} ms`, target: `<= heartbeat + timeout = ${bound} ms`, pass: maxMs <= bound },
        ],
      };
    } finally {
      await pool.stop();
      await proxy.close();
      await server.stop();
    }
  },
};
