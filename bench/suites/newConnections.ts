// newConnections: new connections per second the sampler completes (connect, banner, one echo,
// version identified, close) through the fault proxy in pass mode, proxy and echo server each
// in their own process.
import { sampleAtFullSpeed, startEchoServer, startNodeChild } from '../probe-bench-support.js';
import type { BenchSuite } from '../suite.js';

export const suite: BenchSuite = {
  key: 'newConnections',
  title: 'new-connection samples per second through the fault proxy (pass)',
  async run(options) {
    const { quick } = options;
    const log = (line: string): void => options.log(line);
    const attempts = quick ? 5000 : 20_000;
    const server = await startEchoServer('v2');
    const proxy = await startNodeChild<{ port: number }>('probe-proxy-child', ['--target-port', String(server.info.port)]);
    try {
      const { block, perSecond, seconds } = await sampleAtFullSpeed({ host: '127.0.0.1', port: proxy.info.port }, attempts);
      log(`${block.succeeded}/${block.attempted} identified in ${seconds.toFixed(2)} s; connect p50 ${block.connectMs.p50} ms p99 ${block.connectMs.p99} ms`);
      return {
        block: { perSecond },
        rows: [
          { metric: 'samples identified', value: `${block.succeeded} of ${block.attempted}`, target: 'all', pass: block.failed === 0 },
          { metric: 'new connections per second', value: `${perSecond}/s`, target: '>= 1000/s (thousands)', pass: perSecond >= 1000 },
          { metric: 'connect p99', value: `${block.connectMs.p99} ms`, target: 'informative' },
        ],
      };
    } finally {
      await proxy.stop();
      await server.stop();
    }
  },
};
