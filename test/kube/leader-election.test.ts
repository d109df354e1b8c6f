// Lease leader election with real processes: the leader is killed with SIGKILL and another
// candidate takes over once the lease has expired (never before); a leader shut down with
// SIGTERM releases the lease so the next candidate need not wait; a leader that cannot renew
// steps down within the renew deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeClient, LeaderElector, LeaseKind, parseTime } from '../../src/kube/index.js';
import { systemClock } from '../../src/util/clock.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver-fixtures.js';
import { repoRoot } from '../support/cli.js';

const childScript = path.join(repoRoot, 'dist', 'test', 'support', 'kube-elector-child.js');
const timing = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
/** Longest wait between two attempts of a candidate: retryPeriod × (1 + 1.2). */
const maxAttemptGap = timing.retryPeriodMs * 2.2;

interface Line {
  event: string;
  identity: string;
  at: number;
  leader?: string;
}

interface Candidate {
  child: ChildProcess;
  lines: Line[];
  waitFor(event: string, match?: (l: Line) => boolean, timeoutMs?: number): Promise<Line>;
}

let env: TestApiServer;
const children: ChildProcess[] = [];

function candidate(identity: string): Candidate {
  const child = spawn(process.execPath, [childScript], {
    env: { ...process.env, ELECTOR_CONFIG: JSON.stringify({ kubeconfig: env.kubeconfigPath, identity, lease: 'tcpshift-controller', namespace: 'default', ...timing }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Line[] = [];
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Line);
  });
  return {
    child,
    lines,
    async waitFor(event, match = () => true, timeoutMs = 20_000) {
      for (let waited = 0; ; waited += 25) {
        const found = lines.find((l) => l.event === event && match(l));
        if (found) return found;
        if (waited > timeoutMs) throw new Error(`${identity} never printed ${event}; printed: ${JSON.stringify(lines)}`);
        await sleep(25);
      }
    },
  };
}

function lease(): Promise<{ holderIdentity?: string | null; leaseTransitions?: number | null; renewTime?: string | null; leaseDurationSeconds?: number | null; acquireTime?: string | null }> {
  return Promise.resolve(env.server.objects.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'tcpshift-controller', namespace: 'default' }).spec as never);
}

beforeEach(async () => {
  env = await startTestApiServer();
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await once(c, 'close');
    }
  }
  await env.close();
});

describe('LeaderElector across processes', () => {
  it('replaces a SIGKILLed leader once the lease expires, and a SIGTERMed leader releases at once', async () => {
    expect(existsSync(childScript), `${childScript} is missing: run npm run build`).toBe(true);
    const a = candidate('pod-a');
    await a.waitFor('leading');
    const b = candidate('pod-b');
    await b.waitFor('leader', (l) => l.leader === 'pod-a');
    expect(b.lines.some((l) => l.event === 'leading')).toBe(false);

    const lastRenew = parseTime((await lease()).renewTime) as number;
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await once(a.child, 'close');
    const took = await b.waitFor('leading');
    expect(took.at - killedAt).toBeLessThanOrEqual(timing.leaseDurationMs + 2 * maxAttemptGap + 1500);
    expect(took.at).toBeGreaterThanOrEqual(lastRenew + timing.leaseDurationMs - 50);
    expect(await lease()).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 1, leaseDurationSeconds: 4 });

    b.child.kill('SIGTERM');
    const [code] = (await once(b.child, 'close')) as [number];
    expect(code).toBe(0);
    expect(b.lines.map((l) => l.event).slice(-2)).toEqual(['stopped', 'exited']);
    expect(await lease()).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 1 });

    const c = candidate('pod-c');
    const started = await c.waitFor('started');
    const cLeads = await c.waitFor('leading');
    expect(cLeads.at - started.at).toBeLessThan(timing.leaseDurationMs);
    expect((await lease()).leaseTransitions).toBe(2);
  });
});

describe('LeaderElector in process', () => {
  it('steps down when it cannot renew within the renew deadline', async () => {
    const client = KubeClient.connect({ kubeconfig: env.kubeconfigPath });
    const stop = new AbortController();
    const marks: Record<string, number> = {};
    const elector = new LeaderElector({
      leases: client.resource(LeaseKind, { retry: { maxAttempts: 1 } }),
      name: 'renewal',
      namespace: 'default',
      identity: 'solo',
      clock: systemClock,
      leaseDurationMs: 2000,
      renewDeadlineMs: 1500,
      retryPeriodMs: 250,
      onStartedLeading: () => (marks.started = Date.now()),
      onStoppedLeading: () => (marks.stopped = Date.now()),
    });
    try {
      const running = elector.run(stop.signal);
      for (let waited = 0; marks.started === undefined; waited += 20) {
        if (waited > 10_000) throw new Error('never led');
        await sleep(20);
      }
      expect(elector.isLeader()).toBe(true);
      await sleep(600);
      const failingFrom = Date.now();
      env.server.faults.setErrorRate(1, 500, { resources: ['leases'] });
      await running;
      expect(marks.stopped).toBeDefined();
      const after = (marks.stopped as number) - failingFrom;
      expect(after).toBeGreaterThanOrEqual(1500 - 250);
      expect(after).toBeLessThan(1500 + 1500);
      const held = env.server.objects.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'renewal', namespace: 'default' });
      expect((held.spec as { holderIdentity: string }).holderIdentity).toBe('solo');
    } finally {
      stop.abort();
      env.server.faults.reset();
      client.close();
    }
  });

  it('refuses timings client-go refuses', () => {
    const base = { leases: {} as never, name: 'x', namespace: 'd', identity: 'i', clock: systemClock, onStartedLeading: () => undefined, onStoppedLeading: () => undefined };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow('leaseDuration must be greater than renewDeadline');
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2000, retryPeriodMs: 2000 })).toThrow('renewDeadline must be greater than 1.2 × retryPeriod');
    expect(() => new LeaderElector({ ...base, identity: '' })).toThrow('identity must not be empty');
  });
});
