// The pre-flight's probe connection: one greeting read whole, and the identify mode that fits
// what came back, against the real echo server and a tcp-echo style prefix server.
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../../src/echo/index.js';
import { readGreeting, suggestIdentify, type GreetingOptions } from '../../src/probe/index.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

let server: EchoServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(options: { prefix?: string; banner?: 'full' | 'none' }): Promise<number> {
  server = await startEchoServer({ version: 'v1', ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger, ...options });
  return server.ports[0]!;
}

const greetingOptions = (port: number, identify: GreetingOptions['identify']): GreetingOptions => ({
  address: { host: '127.0.0.1', port },
  identify,
  connectTimeoutMs: 5000,
  replyTimeoutMs: 5000,
  clock: systemClock,
});

describe('readGreeting and suggestIdentify', () => {
  it("identifies the banner's version, and suggests banner when another mode finds none", async () => {
    const port = await serve({});
    expect(await readGreeting(greetingOptions(port, { mode: 'banner' }), 't')).toMatchObject({ kind: 'identified', version: 'v1' });
    const result = await readGreeting(greetingOptions(port, { mode: 'prefix', stable: 'one', canary: 'two' }), 't');
    expect(result.kind).toBe('unidentified');
    if (result.kind === 'unidentified') expect(suggestIdentify(result.greeting)).toBe('{mode: banner}');
  });

  it("Istio's tcp-echo (`one <line>`, no banner): banner finds nothing, prefix one/two fits", async () => {
    const port = await serve({ prefix: 'one', banner: 'none' });
    const result = await readGreeting(greetingOptions(port, { mode: 'banner' }), 'p');
    expect(result).toMatchObject({ kind: 'unidentified', greeting: { bannerLines: [], replyLine: 'one PING p 0', replyPrefix: 'one' } });
    if (result.kind === 'unidentified') expect(suggestIdentify(result.greeting)).toBe('{mode: prefix, stable: one, canary: two}');
  });

  it('a verbatim echo without a banner leaves nothing to suggest; a refused address is a failure', async () => {
    const port = await serve({ banner: 'none' });
    const result = await readGreeting(greetingOptions(port, { mode: 'banner' }), 'v');
    expect(result.kind).toBe('unidentified');
    if (result.kind === 'unidentified') expect(suggestIdentify(result.greeting)).toBeUndefined();
    await server?.close();
    server = undefined;
    expect(await readGreeting(greetingOptions(port, { mode: 'banner' }), 'v')).toMatchObject({ kind: 'failed', failure: { kind: 'refused' } });
  });
});
