// What a person reads while probing: repeated ends summarised per kind and second, and the live
// status line terminated when Ctrl-C ends the probe.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EndSummary } from '../../src/cli/end-summary.js';
import { runCli } from '../../src/cli/program.js';
import type { EndedConnection } from '../../src/probe/index.js';
import { systemClock } from '../../src/util/clock.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { runTcpshift } from '../support/cli.js';
import { closedPort, startFakeServer } from '../support/fake-echo-servers.js';

const refused = (id: number): EndedConnection => ({ id, version: null, openedAt: 0, endedAt: 1, end: 'refused', detail: 'ECONNREFUSED' });

describe('EndSummary', () => {
  it('prints the first end of a kind at once and the rest of that second as one count', async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const summary = new EndSummary(clock, (text) => lines.push(text));
    for (let i = 0; i < 40; i++) summary.add(refused(i));
    summary.add({ ...refused(99), end: 'reset', version: 'v2' });
    expect(lines).toEqual(['connection 0 (unidentified) ended: refused - ECONNREFUSED', 'connection 99 (v2) ended: reset - ECONNREFUSED']);
    await clock.advance(1000);
    expect(lines.slice(2)).toEqual(['39 more long-lived connection(s) ended: refused in the last 1s']);
    summary.add(refused(100));
    summary.flush();
    expect(lines).toHaveLength(4);
  });
});

describe('probe output', () => {
  it('against a closed port: a few summary lines, not one per refused connection', async () => {
    const run = await runTcpshift(['probe', '--address', `127.0.0.1:${await closedPort()}`, '--duration', '2s', '--long-lived', '5', '--heartbeat', '100ms', '--timeout', '500ms', '--new-rate', '0', '-o', 'json']);
    expect(run.code).toBe(3);
    const ends = (JSON.parse(run.stdout) as { longLived: { ends: { refused: number } } }).longLived.ends.refused;
    const lines = run.stderr.split('\n').filter((l) => l.includes('refused'));
    expect(ends).toBeGreaterThan(lines.length);
    expect(lines.length).toBeLessThanOrEqual(8); // 2 s: about two lines a second, whatever the number of ends
  });

  it('Ctrl-C on a TTY terminates the status line: nothing redrawn after the closing lines', async () => {
    const server = await startFakeServer({ style: 'tcpshift-echo', version: 'v1' });
    try {
      const stderr = Object.assign(new PassThrough(), { isTTY: true });
      let out = '';
      stderr.on('data', (d: Buffer) => (out += d.toString()));
      const interrupt = new AbortController();
      setTimeout(() => interrupt.abort(new Error('interrupted by SIGINT')), 2500);
      const code = await runCli(['probe', '--address', `127.0.0.1:${server.port}`, '--duration', '1m', '--long-lived', '2', '--heartbeat', '100ms', '--new-rate', '5', '-o', 'json'], {
        stdout: new PassThrough(), stderr, env: {}, clock: systemClock, interrupts: interrupt.signal,
      });
      expect(code).toBe(0);
      expect(out).toMatch(/long-lived 2\/2 open/);
      expect(out.endsWith('\n')).toBe(true);
      expect(out.slice(out.lastIndexOf('interrupted after'))).not.toContain('long-lived');
    } finally {
      await server.close();
    }
  });
});
