// The real-server probe tests' common proof: long-lived connections heart-beaten for several
// periods, the server SIGSTOPped (every connection must end timeout within heartbeat + timeout),
// resumed, a fresh pool opened, the server SIGKILLed (every connection must end reset or closed).
import { expect } from 'vitest';
import type { EndedConnection, LongLivedPool } from '../../src/probe/index.js';
import type { ManualClock } from '../../src/util/manual-clock.js';
import { advanceUntil } from './probe-wait.js';
import type { RealServer } from './real-server.js';

export interface StopAndKillOptions {
  clock: ManualClock;
  /** A new pool of `connections` against the server, not started. */
  pool: () => LongLivedPool;
  connections: number;
  heartbeatMs: number;
  timeoutMs: number;
  /** Heartbeats each connection must have echoed before the SIGSTOP. */
  periods: number;
}

/** Run the proof; returns the SIGSTOP pool's ends and open versions (for protocol-specific checks). */
export async function stopThenKill(server: RealServer, o: StopAndKillOptions): Promise<{ versions: (string | null)[]; stopped: readonly EndedConnection[] }> {
  const step = { stepMs: 50, settleMs: 15 };
  const stopped = o.pool();
  const killed = o.pool();
  try {
    void stopped.start();
    await advanceUntil(o.clock, () => stopped.heartbeatCounts().echoed >= o.connections * o.periods, { ...step, maxMs: (o.periods + 5) * o.heartbeatMs });
    expect(stopped.ends()).toEqual([]);
    const versions = stopped.openConnections().map((c) => c.version);
    server.signal('SIGSTOP');
    try {
      await advanceUntil(o.clock, () => stopped.ends().length === o.connections, { ...step, maxMs: 3 * (o.heartbeatMs + o.timeoutMs) });
    } finally {
      server.signal('SIGCONT');
    }
    for (const end of stopped.ends()) {
      expect(end.end).toBe('timeout');
      expect(end.detectionMs).toBeLessThanOrEqual(o.heartbeatMs + o.timeoutMs);
    }
    void killed.start();
    await advanceUntil(o.clock, () => killed.heartbeatCounts().echoed >= o.connections, { ...step, maxMs: 5 * o.heartbeatMs });
    server.signal('SIGKILL');
    await advanceUntil(o.clock, () => killed.ends().length === o.connections, { ...step, maxMs: o.heartbeatMs + o.timeoutMs });
    for (const end of killed.ends()) expect(['reset', 'closed']).toContain(end.end);
    return { versions, stopped: stopped.ends() };
  } finally {
    await Promise.all([stopped.stop(), killed.stop()]);
  }
}
