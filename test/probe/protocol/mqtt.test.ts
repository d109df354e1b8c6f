// The mqtt preset against a real broker (Debian's mosquitto): MQTT 3.1.1 CONNECT/CONNACK with a
// client id of our own per connection, PINGREQ/PINGRESP heartbeats for several periods, DISCONNECT
// before our FIN, SIGSTOP seen as timeout within heartbeat + timeout, SIGKILL as reset or closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LongLivedPool } from '../../../src/probe/index.js';
import { ANY_VERSION } from '../../../src/probe/new-connections/sampler.js';
import { ManualClock } from '../../../src/util/manual-clock.js';
import { testSampler } from '../../support/probe-sampler.js';
import { waitFor } from '../../support/probe-wait.js';
import { startRealServer, type RealServer } from '../../support/real-server.js';
import { programOrSkip } from '../../support/require-program.js';
import { stopThenKill } from '../../support/stop-and-kill.js';

const mosquitto = programOrSkip('mosquitto');
const HEARTBEAT_MS = 1000;
const TIMEOUT_MS = 3000;

describe.skipIf(!mosquitto)('probes speaking MQTT 3.1.1 to mosquitto', () => {
  let broker: RealServer;

  beforeAll(async () => {
    broker = await startRealServer(mosquitto as string, (port) => ['-v', '-p', String(port)]);
  });
  afterAll(async () => {
    await broker.stop();
  });

  function pool(clock: ManualClock): LongLivedPool {
    return new LongLivedPool({ address: { host: '127.0.0.1', port: broker.port }, identify: { mode: 'banner' }, protocol: { name: 'mqtt', clientIdPrefix: 'probe-' }, connections: 3, heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS, clock });
  }

  it('connects new connections with their own client ids and says DISCONNECT before closing', async () => {
    const block = await testSampler(broker.port, { mode: 'banner' }, { protocol: { name: 'mqtt', clientIdPrefix: 'sample-' }, versionOptional: true, maxAttempts: 4 }).run();
    expect(block).toMatchObject({ attempted: 4, failed: 0, byVersion: { [ANY_VERSION]: 4 } });
    await waitFor(() => (broker.stderr().match(/Client sample-n\d-[0-9a-f]{12} disconnected\./g) ?? []).length === 4, 'four DISCONNECTs in the broker log');
    expect(broker.stderr()).not.toMatch(/sample-.* closed its connection/);
  });

  it('heart-beats with PINGREQ for several periods, then sees SIGSTOP as timeout and SIGKILL as reset or closed', async () => {
    const clock = new ManualClock();
    const { stopped } = await stopThenKill(broker, { clock, pool: () => pool(clock), connections: 3, heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS, periods: 3 });
    expect(broker.stderr()).toMatch(/Received PINGREQ from probe-1-[0-9a-f]{12}/);
    for (const end of stopped) expect(end.detail).toMatch(/mqtt heartbeat step 2 \(expect \/\\xd0\\x00\/\)/);
  });
});
