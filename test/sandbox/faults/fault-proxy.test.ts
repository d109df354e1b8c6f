import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/faults/index.js';
import { closedPort, startFakeServer, type FakeServer } from '../../support/fake-echo-servers.js';
import { rawConnect, type RawClient } from '../../support/probe-raw-client.js';
import { waitFor } from '../../support/probe-wait.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let server: FakeServer;
let proxy: FaultProxy;
const clients: RawClient[] = [];

async function connect(): Promise<RawClient> {
  const client = await rawConnect(proxy.port);
  clients.push(client);
  return client;
}

async function connectGreeted(): Promise<RawClient> {
  const client = await connect();
  await waitFor(() => client.text().includes('Version: v1'), 'the banner');
  return client;
}

beforeEach(async () => {
  server = await startFakeServer({ style: 'tcpshift-echo', version: 'v1', prefix: 'one' });
  proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port } });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await proxy.close();
  await server.close();
});

describe('fault proxy', () => {
  it('passes traffic both ways by default', async () => {
    const client = await connectGreeted();
    client.send('hello');
    await waitFor(() => client.text().includes('one hello\n'), 'the echo');
    expect(proxy.mode).toBe('pass');
    expect(proxy.connections()).toHaveLength(1);
  });

  it('blackholes silently: no bytes, no FIN, no RST; pass delivers what was held', async () => {
    const client = await connectGreeted();
    proxy.setMode('blackhole');
    client.send('lost?');
    await sleep(300);
    expect(client.text()).not.toContain('one lost?');
    expect(client.ended).toBe(false);
    expect(client.errorCode).toBeUndefined();
    expect(client.closed).toBe(false);
    proxy.setMode('pass');
    await waitFor(() => client.text().includes('one lost?\n'), 'the held echo');
  });

  it('blackholes new connections too: accepted, never greeted', async () => {
    proxy.setMode('blackhole');
    const client = await connect();
    await sleep(200);
    expect(client.text()).toBe('');
    expect(client.closed).toBe(false);
  });

  it('resets the client side with an RST', async () => {
    const client = await connectGreeted();
    const failed = new Promise<string | undefined>((resolve) =>
      client.socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code)),
    );
    proxy.setMode('reset');
    expect(await failed).toBe('ECONNRESET');
    expect(client.ended).toBe(false);
  });

  it('closes with a FIN, not an RST', async () => {
    const client = await connectGreeted();
    proxy.setMode('close');
    await waitFor(() => client.ended, 'the FIN');
    expect(client.errorCode).toBeUndefined();
  });

  it('delays every chunk by the given time', async () => {
    const client = await connectGreeted();
    proxy.setMode('delay', { delayMs: 150 });
    const sent = Date.now();
    client.send('slow');
    await waitFor(() => client.text().includes('one slow\n'), 'the delayed echo');
    // Two lanes, 150 ms each: a lower bound, safe on a busy machine.
    expect(Date.now() - sent).toBeGreaterThanOrEqual(290);
  });

  it('corrupts bytes toward the client but keeps the line end', async () => {
    const client = await connectGreeted();
    proxy.setMode('corrupt');
    const before = client.text().length;
    client.send('PING 1 1');
    await waitFor(() => client.text().length >= before + 'one PING 1 1\n'.length, 'the corrupted echo');
    const echoed = client.text().slice(before);
    expect(echoed.endsWith('\n')).toBe(true);
    expect(echoed).not.toContain('PING 1 1');
  });

  it('refuses new connections with a reset at accept and leaves existing ones alone', async () => {
    const existing = await connectGreeted();
    proxy.setMode('refuse');
    const refused = await connect();
    await waitFor(() => refused.closed, 'the refused connection to close');
    expect(refused.text()).toBe('');
    expect(refused.errorCode).toBe('ECONNRESET');
    existing.send('still here');
    await waitFor(() => existing.text().includes('one still here\n'), 'the echo on the existing connection');
    proxy.setMode('pass');
    await connectGreeted();
  });

  it('switches a single connection and lists connections by client port', async () => {
    const a = await connectGreeted();
    const b = await connectGreeted();
    const listed = proxy.connections();
    expect(listed.map((c) => c.clientPort).sort()).toEqual([a.socket.localPort, b.socket.localPort].sort());
    const idOfA = listed.find((c) => c.clientPort === a.socket.localPort)!.id;
    proxy.setMode('blackhole', { connection: idOfA });
    expect(proxy.connections().find((c) => c.id === idOfA)!.mode).toBe('blackhole');
    a.send('a');
    b.send('b');
    await waitFor(() => b.text().includes('one b\n'), 'the echo on b');
    await sleep(100);
    expect(a.text()).not.toContain('one a');
    expect(proxy.mode).toBe('pass');
  });

  it('rejects invalid modes and options, naming the problem', () => {
    expect(() => proxy.setMode('delay')).toThrow(/delayMs/);
    expect(() => proxy.setMode('refuse', { connection: 1 })).toThrow(/new connections only/);
    expect(() => proxy.setMode('blackhole', { connection: 999 })).toThrow(/no open connection 999/);
    expect(() => proxy.setMode('nonsense' as never)).toThrow(/not one of/);
  });

  it('resets clients when the target is down', async () => {
    const dead = await startFaultProxy({ target: { host: '127.0.0.1', port: await closedPort() } });
    try {
      const client = await rawConnect(dead.port);
      await waitFor(() => client.closed, 'the client to be dropped');
      expect(client.errorCode).toBe('ECONNRESET');
    } finally {
      await dead.close();
    }
  });

  it('close() drops every connection', async () => {
    const client = await connectGreeted();
    await proxy.close();
    await waitFor(() => client.closed, 'the client to close');
    proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port } });
  });
});
