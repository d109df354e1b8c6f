// A minimal echo server for the prober benchmarks, run as a separate process so that its work
// does not count against the prober's CPU and memory. It greets like tcpshift-echo (banner with
// a Version: line and a blank line) and echoes every line verbatim.
// Usage: node probe-echo-server.js [--version v1] [--port 0]; prints {"port": N} on stdout.
import net from 'node:net';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const version = flag('--version', 'v1');
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  socket.write(`${new Date().toUTCString()}\nServer: bench\nClient: ${socket.remoteAddress}:${socket.remotePort}\nVersion: ${version} (bench-${process.pid})\n\n`);
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    const end = pending.lastIndexOf('\n');
    if (end < 0) return;
    socket.write(pending.slice(0, end + 1));
    pending = pending.slice(end + 1);
  });
});
server.maxConnections = 60_000;
server.listen(Number(flag('--port', '0')), '127.0.0.1', 2048, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
