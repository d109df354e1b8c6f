// A stand-in for the mesh gateway in prober tests: each new connection goes to one backend,
// chosen by weight with a seeded PRNG, and is piped there unchanged.
import net from 'node:net';
import { seededRandom } from '../../src/probe/index.js';

export interface FakeGateway {
  port: number;
  /** Connections routed to each backend so far, by index. */
  routed: number[];
  close(): Promise<void>;
}

export async function startFakeGateway(backends: Array<{ port: number; weight: number }>, seed = 1): Promise<FakeGateway> {
  const random = seededRandom(seed);
  const total = backends.reduce((sum, b) => sum + b.weight, 0);
  const routed = backends.map(() => 0);
  const sockets = new Set<net.Socket>();
  const pick = (): number => {
    let r = random() * total;
    for (let i = 0; i < backends.length; i++) {
      r -= (backends[i] as { weight: number }).weight;
      if (r < 0) return i;
    }
    return backends.length - 1;
  };
  const server = net.createServer((client) => {
    const index = pick();
    routed[index] = (routed[index] ?? 0) + 1;
    const upstream = net.connect({ host: '127.0.0.1', port: (backends[index] as { port: number }).port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    routed,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
