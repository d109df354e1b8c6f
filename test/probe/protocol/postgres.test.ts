// The postgres preset's bytes: an SSLRequest (length 8, code 80877103, PostgreSQL protocol
// "Message Flow": SSL Session Encryption) answered by one byte, S or N. No PostgreSQL server is
// installed here, so a listener that checks the request byte for byte stands in for one.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSampler } from '../../support/probe-sampler.js';

const SSL_REQUEST = Buffer.from([0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]);
const IDENTIFY = { mode: 'regex' as const, pattern: '^(?<version>[SN])' };

describe('the postgres preset', () => {
  let answer = 'N';
  const received: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      received.push(chunk);
      socket.write(chunk.equals(SSL_REQUEST) ? answer : 'E');
    });
    socket.on('error', () => undefined);
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends an SSLRequest and accepts N or S', async () => {
    const plain = await testSampler(port, IDENTIFY, { protocol: { name: 'postgres' }, maxAttempts: 2 }).run();
    expect(plain).toMatchObject({ failed: 0, byVersion: { N: 2 } });
    answer = 'S';
    const ssl = await testSampler(port, IDENTIFY, { protocol: { name: 'postgres' }, maxAttempts: 1 }).run();
    expect(ssl).toMatchObject({ failed: 0, byVersion: { S: 1 } });
    expect(received.every((chunk) => chunk.equals(SSL_REQUEST))).toBe(true);
  });

  it('ends corrupt on any other answer', async () => {
    answer = 'X';
    const other = await testSampler(port, IDENTIFY, { protocol: { name: 'postgres' }, maxAttempts: 1, replyTimeoutMs: 300 }).run();
    expect(other.failuresByKind).toMatchObject({ corrupt: 1 });
  });
});
