import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EchoSession, type EchoSessionEvents, type SessionFailure } from '../../src/probe/echo-session.js';
import { versionIdentifier } from '../../src/probe/index.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { waitFor } from '../support/probe-wait.js';

const servers: net.Server[] = [];
const serverSockets = new Set<net.Socket>();
const sessions: EchoSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  for (const socket of serverSockets) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    serverSockets.add(socket);
    socket.on('close', () => serverSockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** A server that answers each received line with whatever `reply` returns. */
function scripted(reply: (line: string) => string | undefined, greeting = ''): Promise<number> {
  return listen((socket) => {
    if (greeting) socket.write(greeting);
    let pending = '';
    socket.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const out = reply(line);
        if (out !== undefined) socket.write(out);
      }
    });
  });
}

interface Recorder extends EchoSessionEvents {
  version: string | undefined | null;
  echoes: number[];
  failure: SessionFailure | undefined;
}

function open(port: number, clock = new ManualClock()): { session: EchoSession; seen: Recorder } {
  const seen: Recorder = {
    version: null,
    echoes: [],
    failure: undefined,
    ready(v) { seen.version = v; },
    echoed(seq) { seen.echoes.push(seq); },
    failed(f) { seen.failure = f; },
  };
  const session = new EchoSession(
    { address: { host: '127.0.0.1', port }, clock, identify: versionIdentifier({ mode: 'banner' }), connectTimeoutMs: 1000, replyTimeoutMs: 1000 },
    '7',
    seen,
  );
  sessions.push(session);
  return { session, seen };
}

const BANNER = 'Sat Nov 21 10:54:00 UTC 2026\nVersion: v3 (pod)\n\n';

describe('EchoSession', () => {
  it('reads a greeting that arrives one byte at a time', async () => {
    const port = await listen((socket) => {
      const bytes = Buffer.from(`${BANNER}PING 7 0\n`);
      let i = 0;
      const drip = (): void => {
        if (i < bytes.length && !socket.destroyed) socket.write(bytes.subarray(i, ++i), drip);
      };
      drip();
    });
    const { seen } = open(port);
    await waitFor(() => seen.version !== null, 'the greeting');
    expect(seen.version).toBe('v3');
  });

  it('heart-beats: each PING echoed in order', async () => {
    const port = await scripted((line) => `${line}\n`, BANNER);
    const { session, seen } = open(port);
    await waitFor(() => session.isReady, 'ready');
    session.ping();
    session.ping();
    await waitFor(() => seen.echoes.length === 2, 'two echoes');
    expect(seen.echoes).toEqual([1, 2]);
    expect(seen.failure).toBeUndefined();
  });

  it('calls a line nobody asked for corrupt', async () => {
    const port = await scripted((line) => (line === 'PING 7 0' ? `${line}\nsurprise\n` : undefined), BANNER);
    const { seen } = open(port);
    await waitFor(() => seen.failure !== undefined, 'the failure');
    expect(seen.failure).toMatchObject({ kind: 'corrupt', detail: 'unsolicited: a line of 8 bytes', peerExcerpt: 'peer bytes (8, escaped): "surprise"' });
  });

  it('calls a wrong line after the end of the banner corrupt', async () => {
    const port = await scripted(() => 'HTTP/1.1 400 Bad Request\n', BANNER);
    const { seen } = open(port);
    await waitFor(() => seen.failure !== undefined, 'the failure');
    expect(seen.failure?.kind).toBe('corrupt');
    expect(seen.version).toBeNull();
  });

  it('calls a change of prefix mid-connection corrupt', async () => {
    let n = 0;
    const port = await scripted((line) => `${n++ === 0 ? 'one' : 'two'} ${line}\n`);
    const { session, seen } = open(port);
    await waitFor(() => session.isReady, 'ready');
    session.ping();
    await waitFor(() => seen.failure !== undefined, 'the failure');
    expect(seen.failure).toMatchObject({ kind: 'corrupt', detail: "expected the echo of 'PING 7 1' after its prefix, got a line of 12 bytes", peerExcerpt: 'peer bytes (12, escaped): "two PING 7 1"' });
  });

  it('calls an endless line corrupt', async () => {
    const port = await scripted(() => 'x'.repeat(20_000));
    const { seen } = open(port);
    await waitFor(() => seen.failure !== undefined, 'the failure');
    expect(seen.failure).toMatchObject({ kind: 'corrupt', detail: 'a line longer than 16 KiB without a newline' });
  });

  it('reports the greeting without a version as ready with no version', async () => {
    const port = await scripted((line) => `${line}\n`);
    const { seen } = open(port);
    await waitFor(() => seen.version !== null, 'ready');
    expect(seen.version).toBeUndefined();
  });

  it('times out on the injected clock, not on wall time', async () => {
    const clock = new ManualClock();
    const port = await scripted(() => undefined, BANNER);
    const { seen } = open(port, clock);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.failure).toBeUndefined();
    await clock.advance(999);
    expect(seen.failure).toBeUndefined();
    await clock.advance(1);
    expect(seen.failure).toMatchObject({ kind: 'timeout', detail: "no echo of 'PING 7 0' within 1000ms" });
  });

  it('close() ends quietly and resolves once the socket is closed', async () => {
    const port = await scripted((line) => `${line}\n`, BANNER);
    const { session, seen } = open(port);
    await waitFor(() => session.isReady, 'ready');
    await session.close();
    await session.close();
    expect(seen.failure).toBeUndefined();
  });
});
