import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { EndReason, startEchoServer, type EchoServer, type EchoServerOptions } from '../../src/echo/index.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { connectError, httpGet, sample, TestClient } from './support.js';

const servers: EchoServer[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Partial<EchoServerOptions> = {}): Promise<{ server: EchoServer; logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  const server = await startEchoServer({ ports: [0], healthPort: null, version: 'v2', pod: 'echo-v2-test', logger, ...options });
  servers.push(server);
  return { server, logger };
}

async function connect(port: number, banner = true): Promise<TestClient> {
  const client = banner ? await TestClient.withBanner(port) : await TestClient.connect(port);
  clients.push(client);
  return client;
}

const endReasons = (logger: MemoryLogger): unknown[] =>
  logger.records.filter((r) => r.msg === 'connection closed').map((r) => r.fields.reason);

/** The server logs a connection's end when its socket closes, just after the client sees it. */
async function expectReasons(logger: MemoryLogger, expected: EndReason[]): Promise<void> {
  await expectEventually(() => endReasons(logger).length >= expected.length);
  expect(endReasons(logger)).toEqual(expected);
}

describe('echo server: banner and echo', () => {
  it('greets with the date line, Server (local address), Client (peer), Version (pod) and a blank line', async () => {
    const { server } = await start();
    const client = await TestClient.connect(server.ports[0]!);
    clients.push(client);
    const text = await client.waitForText((t) => t.endsWith('\n\n'));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}$/);
    expect(Math.abs(Date.parse(lines[0]!.replace(' UTC', '') + ' UTC') - Date.now())).toBeLessThan(60_000);
    expect(lines.slice(1)).toEqual([
      `Server: 127.0.0.1:${server.ports[0]}`,
      `Client: 127.0.0.1:${client.socket.localPort}`,
      'Version: v2 (echo-v2-test)',
      '',
      '',
    ]);
  });

  it('sends nothing on connect with --banner none', async () => {
    const { server } = await start({ banner: 'none' });
    const client = await connect(server.ports[0]!, false);
    client.write('hi\n');
    expect(await client.waitForText((t) => t.length >= 3)).toBe('hi\n');
  });

  it('echoes bytes verbatim without a prefix, partial lines and \\r\\n included', async () => {
    const { server } = await start();
    const client = await connect(server.ports[0]!);
    client.write('partial');
    await client.waitForText((t) => t === 'partial');
    client.write(' line\r\nnext\n');
    expect(await client.waitForText((t) => t.endsWith('next\n'))).toBe('partial line\r\nnext\n');
  });

  it('answers only complete lines as "<prefix> <line>", holding partial lines', async () => {
    const { server } = await start({ prefix: 'two' });
    const client = await connect(server.ports[0]!);
    client.write('hel');
    await new Promise((r) => setTimeout(r, 150));
    expect(client.text).toBe('');
    client.write('lo\r\nworld\n');
    expect(await client.waitForText((t) => t.endsWith('world\n'))).toBe('two hello\ntwo world\n');
  });

  it('serves every port of the list, and UDP on the same numbers with --udp', async () => {
    const { server } = await start({ ports: [0, 0], prefix: 'one', udp: true, banner: 'none' });
    expect(server.ports).toHaveLength(2);
    expect(server.udpPorts).toEqual(server.ports);
    for (const port of server.ports) {
      const client = await connect(port, false);
      client.write(`to ${port}\n`);
      expect(await client.waitForText((t) => t.endsWith('\n'))).toBe(`one to ${port}\n`);
      expect(await udpRoundTrip(port, 'ping\n')).toBe('one ping\n');
    }
  });

  it('listens on every interface by default, and only on --host when given', async () => {
    // Linux routes all of 127.0.0.0/8 to lo: 127.0.0.2 reaches a server bound to every interface.
    const everywhere = (await start()).server.ports[0]!;
    expect(await connectError(everywhere, '127.0.0.2')).toBeUndefined();
    const loopback = (await start({ host: '127.0.0.1' })).server.ports[0]!;
    expect(await connectError(loopback, '127.0.0.1')).toBeUndefined();
    expect(await connectError(loopback, '127.0.0.2')).toBe('ECONNREFUSED');
  });

  it('echoes UDP datagrams verbatim without a prefix', async () => {
    const { server } = await start({ udp: true });
    expect(await udpRoundTrip(server.ports[0]!, 'no newline')).toBe('no newline');
  });

  it('answers a newline flood with at most twice its size, and counts the lines it left out', async () => {
    const { server } = await start({ udp: true, prefix: 'two' });
    const flood = '\n'.repeat(1000);
    const reply = await udpRoundTrip(server.ports[0]!, flood);
    expect(reply.length).toBeLessThanOrEqual(2 * flood.length + 'two '.length + 1);
    expect(reply).toMatch(/^(two \n)+$/);
    const answered = reply.length / 'two \n'.length;
    expect(sample(await server.metrics(), 'tcpshift_echo_udp_lines_dropped_total')).toBe(1000 - answered);
  });
});

describe('echo server: idle timeout and limits', () => {
  it('closes a connection with a FIN after the idle timeout without client data, not before', async () => {
    const { server, logger } = await start({ idleTimeoutMs: 400 });
    const idle = await connect(server.ports[0]!);
    const busy = await connect(server.ports[0]!);
    const openedAt = Date.now();
    const keepBusy = setInterval(() => busy.write('tick\n'), 100);
    try {
      expect(await idle.ended).toBe('fin');
      expect(Date.now() - openedAt).toBeGreaterThanOrEqual(350);
      busy.write('still here\n');
      await busy.waitForText((t) => t.includes('still here\n'));
    } finally {
      clearInterval(keepBusy);
    }
    await expectReasons(logger, [EndReason.IdleTimeout]);
  });

  it('closes only the connection whose line passes --max-line-bytes', async () => {
    const { server, logger } = await start({ maxLineBytes: 1000, prefix: 'p' });
    const other = await connect(server.ports[0]!);
    const slowloris = await connect(server.ports[0]!);
    slowloris.write('x'.repeat(999));
    await new Promise((r) => setTimeout(r, 100));
    expect(server.connections().active).toBe(2);
    slowloris.write('xx');
    expect(['reset', 'closed', 'fin']).toContain(await slowloris.ended);
    other.write('fine\n');
    expect(await other.waitForText((t) => t.endsWith('\n'))).toBe('p fine\n');
    await expectReasons(logger, [EndReason.LineTooLong]);
  });

  it('closes connections past --max-connections at once, leaving the others echoing', async () => {
    const { server, logger } = await start({ maxConnections: 2 });
    const first = await connect(server.ports[0]!);
    await connect(server.ports[0]!);
    const third = await TestClient.connect(server.ports[0]!);
    clients.push(third);
    expect(['reset', 'closed', 'fin']).toContain(await third.ended);
    expect(third.text).toBe('');
    first.write('ok\n');
    expect(await first.waitForText((t) => t.endsWith('\n'))).toBe('ok\n');
    expect(server.connections()).toMatchObject({ active: 2, total: 3 });
    expect(server.connections().byReason[EndReason.MaxConnections]).toBe(1);
    await expectReasons(logger, [EndReason.MaxConnections]);
  });

  it('stops reading from a client that does not read its echoes (memory stays bounded)', async () => {
    const { server } = await start({ banner: 'none', healthPort: 0 });
    const client = await connect(server.ports[0]!, false);
    client.socket.pause();
    const line = Buffer.alloc(1024, 'y');
    line[line.length - 1] = 0x0a;
    const sent = 64 * 1024 * 1024;
    for (let i = 0; i < sent / line.length; i++) client.socket.write(line);
    await new Promise((r) => setTimeout(r, 1500));
    const received = sample(await server.metrics(), 'tcpshift_echo_bytes_total', { direction: 'received' }) ?? 0;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(sent / 4);
  });
});

describe('echo server: health, metrics, logs', () => {
  it('answers /healthz, /readyz and /metrics with the version label', async () => {
    const { server } = await start({ healthPort: 0 });
    const client = await connect(server.ports[0]!);
    client.write('abc\n');
    await client.waitForText((t) => t === 'abc\n');
    expect((await httpGet(server.healthPort!, '/healthz')).status).toBe(200);
    expect((await httpGet(server.healthPort!, '/readyz')).status).toBe(200);
    expect((await httpGet(server.healthPort!, '/nope')).status).toBe(404);
    const metrics = await httpGet(server.healthPort!, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(sample(metrics.body, 'tcpshift_echo_connections_active', { version: 'v2' })).toBe(1);
    expect(sample(metrics.body, 'tcpshift_echo_bytes_total', { protocol: 'tcp', direction: 'received', version: 'v2' })).toBe(4);
    client.destroy();
    await client.ended;
    await expectEventually(async () => sample(await server.metrics(), 'tcpshift_echo_connections_total', { reason: 'client-closed' }) === 1);
    expect(sample(await server.metrics(), 'tcpshift_echo_connections_active')).toBe(0);
  });

  it('logs one line per connection end with peer, version, duration, bytes and reason', async () => {
    const { server, logger } = await start({ banner: 'none' });
    const client = await connect(server.ports[0]!, false);
    client.write('12345\n');
    await client.waitForText((t) => t.length === 6);
    const peer = `127.0.0.1:${client.socket.localPort}`;
    client.socket.end();
    await client.ended;
    await expectReasons(logger, [EndReason.ClientClosed]);
    const record = logger.records.find((r) => r.msg === 'connection closed');
    expect(record?.fields).toMatchObject({ peer, version: 'v2', bytesIn: 6, bytesOut: 6, reason: EndReason.ClientClosed });
    expect(record?.fields.durationMs).toEqual(expect.any(Number));
    expect(logger.records[0]?.msg).toBe('listening');
  });
});

describe('echo server: drain and close', () => {
  it('drain: not ready, refuses new connections, echoes during the grace, then FIN', async () => {
    const { server, logger } = await start({ healthPort: 0 });
    const port = server.ports[0]!;
    const client = await connect(port);
    const started = Date.now();
    const drained = server.drain(600);
    expect(server.ready).toBe(false);
    expect((await httpGet(server.healthPort!, '/readyz')).status).toBe(503);
    expect(await connectError(port)).toBe('ECONNREFUSED');
    client.write('during grace\n');
    expect(await client.waitForText((t) => t.endsWith('\n'))).toBe('during grace\n');
    expect(await client.ended).toBe('fin');
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    await drained;
    await expectReasons(logger, [EndReason.Drained]);
  });

  it('drain ends early when no connection is left', async () => {
    const { server } = await start();
    const started = Date.now();
    await server.drain(20_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('close cuts a drain short and closes every connection at once', async () => {
    const { server, logger } = await start();
    const client = await connect(server.ports[0]!);
    const drained = server.drain(20_000);
    await server.close();
    await drained;
    expect(['fin', 'closed', 'reset']).toContain(await client.ended);
    await expectReasons(logger, [EndReason.Closed]);
  });

  it('fails to start on a port in use, naming the problem', async () => {
    const { server } = await start();
    await expect(startEchoServer({ ports: [server.ports[0]!], healthPort: null, version: 'v1' })).rejects.toThrow(/EADDRINUSE/);
  });
});

function udpRoundTrip(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no UDP reply'));
    }, 5000);
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply.toString());
    });
    socket.send(message, port, '127.0.0.1');
  });
}

async function expectEventually(fn: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition never became true');
    await new Promise((r) => setTimeout(r, 20));
  }
}
