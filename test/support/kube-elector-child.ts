// A leader-election candidate in its own process (run from dist/ by the leader-election test):
// it campaigns for a Lease through the emulator and prints one JSON line per transition on
// stdout. SIGTERM cancels the campaign (the leader releases the lease) and exits 0; the test
// kills it with SIGKILL to play a crashed leader.
import { KubeClient, LeaderElector, LeaseKind } from '../../src/kube/index.js';
import { systemClock } from '../../src/util/clock.js';

interface ChildConfig {
  kubeconfig: string;
  identity: string;
  lease: string;
  namespace: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

const config = JSON.parse(process.env.ELECTOR_CONFIG ?? '{}') as ChildConfig;
const say = (event: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(JSON.stringify({ event, identity: config.identity, at: Date.now(), ...extra }) + '\n');
};

const client = KubeClient.connect({ kubeconfig: config.kubeconfig });
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());

const elector = new LeaderElector({
  leases: client.resource(LeaseKind, { retry: { maxAttempts: 1 } }),
  name: config.lease,
  namespace: config.namespace,
  identity: config.identity,
  clock: systemClock,
  leaseDurationMs: config.leaseDurationMs,
  renewDeadlineMs: config.renewDeadlineMs,
  retryPeriodMs: config.retryPeriodMs,
  onStartedLeading: () => say('leading'),
  onStoppedLeading: () => say('stopped'),
  onNewLeader: (leader) => say('leader', { leader }),
});

say('started');
await elector.run(stop.signal);
client.close();
say('exited');
