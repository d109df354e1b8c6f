// A plain TCP client that records everything it sees, for proxy and server tests.
import net from 'node:net';

export interface RawClient {
  socket: net.Socket;
  /** All bytes received so far, as text. */
  text(): string;
  /** Set when the peer sent FIN. */
  ended: boolean;
  /** Error code, when the socket failed (ECONNRESET for an RST). */
  errorCode: string | undefined;
  closed: boolean;
  send(line: string): void;
  close(): Promise<void>;
}

/** Connect; resolves once connected, or once the socket closed without connecting (see errorCode). */
export function rawConnect(port: number, host = '127.0.0.1'): Promise<RawClient> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let received = '';
    const client: RawClient = {
      socket,
      text: () => received,
      ended: false,
      errorCode: undefined,
      closed: false,
      send: (line) => socket.write(`${line}\n`),
      close: () =>
        new Promise((done) => {
          if (client.closed) return done();
          socket.once('close', () => done());
          socket.destroy();
        }),
    };
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('end', () => (client.ended = true));
    socket.on('close', () => {
      client.closed = true;
      resolve(client);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (client.errorCode = err.code));
    socket.once('connect', () => resolve(client));
  });
}
