// The fault proxy in its own process, for benchmarks that go "through the proxy" the way traffic
// goes through a gateway. Usage: node probe-proxy-child.js --target-port N; prints {"port": N}.
import { startFaultProxy } from '../src/sandbox/faults/index.js';

const i = process.argv.indexOf('--target-port');
const targetPort = Number(process.argv[i + 1]);
const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: targetPort } });
process.stdout.write(`${JSON.stringify({ port: proxy.port })}\n`);
process.on('SIGTERM', () => {
  void proxy.close().then(() => process.exit(0));
});
