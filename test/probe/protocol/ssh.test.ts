// The ssh preset against a real sshd (Debian's openssh-server), identification string only: new
// connections read `SSH-2.0-...` and are identified by a regex over it; the preset refuses
// long-lived probes (LoginGraceTime); a stopped server is a timeout, a killed one refuses.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeProtocolIssues } from '../../../src/spec/probe-protocol-rules.js';
import { testSampler } from '../../support/probe-sampler.js';
import { startRealServer, type RealServer } from '../../support/real-server.js';
import { programOrSkip } from '../../support/require-program.js';

const sshd = programOrSkip('/usr/sbin/sshd', 'openssh-server');
const IDENTIFY = { mode: 'regex' as const, pattern: '^SSH-2\\.0-(?<version>OpenSSH_[^ \\r]+)' };

describe.skipIf(!sshd)('probes reading the identification string of sshd', () => {
  let server: RealServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tcpshift-sshd-'));
    const key = path.join(dir, 'host_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    // As root sshd wants its privilege separation directory (the package's unit creates it).
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    server = await startRealServer(sshd as string, (port) => ['-D', '-e', '-f', '/dev/null', '-o', `HostKey=${key}`, '-o', `Port=${port}`, '-o', 'ListenAddress=127.0.0.1', '-o', 'PidFile=none']);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('identifies new connections by the identification string', async () => {
    const block = await testSampler(server.port, IDENTIFY, { protocol: { name: 'ssh' }, maxAttempts: 3 }).run();
    expect(block.failed).toBe(0);
    expect(Object.keys(block.byVersion)).toEqual([expect.stringMatching(/^OpenSSH_\d/)]);
  });

  it('refuses long-lived probes, naming LoginGraceTime', () => {
    expect(probeProtocolIssues({ protocol: { name: 'ssh' }, identify: IDENTIFY, longLived: { connections: 1 } })).toEqual([
      { path: ['longLived', 'connections'], message: expect.stringMatching(/must be 0 with protocol ssh: sshd closes a connection that has not authenticated after LoginGraceTime/) },
    ]);
  });

  it('sees a stopped sshd as timeout and a killed one as refused', async () => {
    server.signal('SIGSTOP');
    try {
      // The kernel still accepts into the listen backlog: the connection opens, no identification comes.
      const stopped = await testSampler(server.port, IDENTIFY, { protocol: { name: 'ssh' }, maxAttempts: 1, replyTimeoutMs: 300 }).run();
      expect(stopped.failuresByKind).toMatchObject({ timeout: 1 });
    } finally {
      server.signal('SIGCONT');
    }
    server.signal('SIGKILL');
    await new Promise((resolve) => server.process.once('exit', resolve));
    const killed = await testSampler(server.port, IDENTIFY, { protocol: { name: 'ssh' }, maxAttempts: 1 }).run();
    expect(killed.failuresByKind).toMatchObject({ refused: 1 });
  });
});
