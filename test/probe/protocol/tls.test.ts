// Probes wrapped in TLS (spec.probe.tls) against a TLS listener in its own process (Node's tls
// server echoing what it reads, with a certificate made by the project's self-signed helper):
// versions from the certificate, verification against the CA, heartbeats over TLS, SIGSTOP seen as
// timeout within heartbeat + timeout, SIGKILL as reset or closed, a failed verification as corrupt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LongLivedPool } from '../../../src/probe/index.js';
import { createSelfSignedCert } from '../../../src/sandbox/apiserver/self-signed-cert.js';
import type { ProbeTls } from '../../../src/spec/probe-protocol.js';
import { ManualClock } from '../../../src/util/manual-clock.js';
import { testSampler } from '../../support/probe-sampler.js';
import { startRealServer, type RealServer } from '../../support/real-server.js';
import { stopThenKill } from '../../support/stop-and-kill.js';

const HEARTBEAT_MS = 1000;
const TIMEOUT_MS = 3000;
const TLS_ECHO = `
const tls = require('node:tls');
const [port, cert, key] = [Number(process.argv[1]), process.env.CERT, process.env.KEY];
tls.createServer({ cert, key }, (socket) => { socket.on('error', () => {}); socket.pipe(socket); }).listen(port, '127.0.0.1');
`;

describe('probes over TLS', () => {
  const cert = createSelfSignedCert({ commonName: 'v2', dnsNames: ['echo-v2.example'], ipAddresses: ['127.0.0.1'] });
  const other = createSelfSignedCert({ commonName: 'someone-else' });
  const trusted: ProbeTls = { ca: cert.certPem, insecureSkipVerify: false };
  let server: RealServer;

  beforeAll(async () => {
    process.env.CERT = cert.certPem;
    process.env.KEY = cert.keyPem;
    server = await startRealServer(process.execPath, (port) => ['-e', TLS_ECHO, String(port)]);
  });
  afterAll(async () => {
    // The next test file may run in this worker (vitest.config: isolate false).
    delete process.env.CERT;
    delete process.env.KEY;
    await server.stop();
  });

  it('names the version from the certificate, verified against the CA', async () => {
    const byCn = await testSampler(server.port, { mode: 'certificate', field: 'subject.CN' }, { tls: trusted, maxAttempts: 4 }).run();
    expect(byCn).toMatchObject({ failed: 0, byVersion: { v2: 4 } });
    const bySan = await testSampler(server.port, { mode: 'certificate', field: 'SAN', pattern: '^echo-(?<version>v[0-9]+)\\.' }, { tls: { ...trusted, serverName: 'echo-v2.example' }, maxAttempts: 2 }).run();
    expect(bySan).toMatchObject({ failed: 0, byVersion: { v2: 2 } });
  });

  it('ends corrupt when the certificate does not verify, and reads it anyway with insecureSkipVerify', async () => {
    const untrusted = await testSampler(server.port, { mode: 'certificate', field: 'subject.CN' }, { tls: { ca: other.certPem, insecureSkipVerify: false }, maxAttempts: 2 }).run();
    expect(untrusted.failuresByKind).toMatchObject({ corrupt: 2 });
    const skipped = await testSampler(server.port, { mode: 'certificate', field: 'subject.CN' }, { tls: { insecureSkipVerify: true }, maxAttempts: 2 }).run();
    expect(skipped).toMatchObject({ failed: 0, byVersion: { v2: 2 } });
  });

  it('heart-beats over TLS, sees SIGSTOP as timeout within heartbeat + timeout and SIGKILL as reset or closed', async () => {
    const clock = new ManualClock();
    const pool = (): LongLivedPool => new LongLivedPool({ address: { host: '127.0.0.1', port: server.port }, identify: { mode: 'certificate', field: 'subject.CN' }, tls: trusted, connections: 2, heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS, clock });
    const { versions } = await stopThenKill(server, { clock, pool, connections: 2, heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS, periods: 3 });
    expect(versions).toEqual(['v2', 'v2']);
  });
});
