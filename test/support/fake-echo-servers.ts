// Small servers that behave like the three kinds of backend the prober must read:
// - 'tcpshift-echo': the banner of DESIGN section 3 in one write, then each line echoed verbatim,
//   or as `<prefix> <line>` when a prefix is set;
// - 'istio-tcp-echo': Istio's tcp-echo sample: no banner, `<prefix> <line>` for complete lines only;
// - 'socat-banner': a socat EXEC server: banner lines written one by one (each a separate
//   `echo` process in the original, so they arrive in pieces), then `cat` (raw bytes back).
import net from 'node:net';

export type FakeServerStyle = 'tcpshift-echo' | 'istio-tcp-echo' | 'socat-banner';

export interface FakeServerOptions {
  style: FakeServerStyle;
  version?: string;
  pod?: string;
  prefix?: string;
  /** Omit the blank line that ends the banner (some socat scripts do). */
  noBlankLine?: boolean;
}

export interface FakeServer {
  port: number;
  /** Connections currently open. */
  connectionCount(): number;
  /** Close every connection from the server side: 'fin' (end) or 'rst' (resetAndDestroy). */
  dropAll(how: 'fin' | 'rst'): void;
  close(): Promise<void>;
}

function bannerLines(socket: net.Socket, o: FakeServerOptions): string[] {
  const lines = [
    'Sat Nov 21 10:54:00 UTC 2026',
    `Server: ${socket.localAddress}:${socket.localPort}`,
    `Client: ${socket.remoteAddress}:${socket.remotePort}`,
    `Version: ${o.version ?? 'v1'} (${o.pod ?? `echo-${o.version ?? 'v1'}-7d9f`})`,
  ];
  return o.noBlankLine ? lines : [...lines, ''];
}

function echoLines(socket: net.Socket, prefix: string | undefined): void {
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) socket.write(prefix ? `${prefix} ${line}\n` : `${line}\n`);
  });
}

function writeSlowly(socket: net.Socket, lines: string[], then: () => void): void {
  const [first, ...rest] = lines;
  if (first === undefined || socket.destroyed) {
    then();
    return;
  }
  socket.write(`${first}\n`);
  setTimeout(() => writeSlowly(socket, rest, then), 5);
}

function serve(socket: net.Socket, o: FakeServerOptions): void {
  switch (o.style) {
    case 'tcpshift-echo':
      socket.write(bannerLines(socket, o).map((l) => `${l}\n`).join(''));
      echoLines(socket, o.prefix);
      return;
    case 'istio-tcp-echo':
      echoLines(socket, o.prefix ?? 'one');
      return;
    case 'socat-banner':
      socket.pause();
      writeSlowly(socket, bannerLines(socket, o), () => {
        socket.on('data', (chunk: Buffer) => socket.write(chunk));
        socket.resume();
      });
  }
}

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    serve(socket, options);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connectionCount: () => sockets.size,
    dropAll(how) {
      for (const s of sockets) {
        if (how === 'rst') s.resetAndDestroy();
        else s.end();
      }
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on loopback that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
