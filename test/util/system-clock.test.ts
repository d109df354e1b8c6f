// systemClock's deadlines are judged after the I/O already waiting: when the event loop was
// blocked past a deadline and the awaited reply arrived meanwhile, the reply wins (a probe must
// not count a timeout for an answer that came back in time just because its process was busy).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/util/clock.js';

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a synchronous task holding the loop (as a busy controller or a descheduled process does)
  }
}

describe('systemClock timers', () => {
  const closers: Array<() => void> = [];
  afterEach(() => closers.splice(0).forEach((close) => close()));

  async function connectedPair(): Promise<{ client: net.Socket; peer: net.Socket }> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const peerAccepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    await new Promise((resolve) => client.once('connect', resolve));
    const peer = await peerAccepted;
    closers.push(() => {
      client.destroy();
      peer.destroy();
      server.close();
    });
    return { client, peer };
  }

  it('a reply that arrived while the loop was blocked past the deadline cancels the deadline', async () => {
    const { client, peer } = await connectedPair();
    let outcome: 'reply' | 'timeout' | undefined;
    const deadline = systemClock.setTimer(() => (outcome ??= 'timeout'), 50);
    client.once('data', () => {
      deadline.cancel();
      outcome ??= 'reply';
    });
    peer.write('PONG\n');
    blockEventLoop(300);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(outcome).toBe('reply');
  });

  it('a deadline with no reply still fires, and cancel() before it stops it', async () => {
    const fired: string[] = [];
    systemClock.setTimer(() => fired.push('cancelled'), 10).cancel();
    // The kept one is due later than the cancelled one would have been: when it fires, the other had its turn.
    await new Promise<void>((resolve) =>
      systemClock.setTimer(() => {
        fired.push('kept');
        resolve();
      }, 30),
    );
    expect(fired).toEqual(['kept']);
  });
});
