// `tcpshift controller` as a real process for the e2e tests: JSON logs read from stdout, the
// ports it picked, short lease timings so a standby takes over within about three seconds.
import { EchoProcess, httpGet, type LogRecordJson } from '../echo/support.js';
import { spawnBin } from './cli.js';
import { waitFor } from './probe-wait.js';

/** client-go's rules with short timings: a dead leader's lease is taken over after ~2-3 s. */
export const FAST_LEASE = ['--lease-duration', '2s', '--renew-deadline', '1500ms', '--retry-period', '500ms'];

/** The sandbox's gateway and the tests' servers listen on loopback, which the default refuses. */
export const SANDBOX_PROBE_ALLOW = '127.0.0.0/8,::1/128';

export interface ControllerProcess {
  readonly identity: string;
  readonly proc: EchoProcess;
  readonly healthPort: number;
  readonly metricsPort: number;
  /** Resolves once this process leads (and has enqueued every TCPShift). */
  leading(timeoutMs?: number): Promise<void>;
  metrics(): Promise<string>;
  /** Records about one shift (field `shift`). */
  shiftRecords(key: string): LogRecordJson[];
  /** SIGTERM and wait for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL (no cleanup at all) and wait for the exit. */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ControllerProcessOptions {
  identity: string;
  leaseNamespace?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export async function startControllerProcess(kubeconfig: string, options: ControllerProcessOptions): Promise<ControllerProcess> {
  const args = [
    'controller',
    '--kubeconfig', kubeconfig,
    '--identity', options.identity,
    '--lease-namespace', options.leaseNamespace ?? 'default',
    '--health-port', '0',
    '--metrics-port', '0',
    '--status-interval', '1s',
    '--probe-allow', SANDBOX_PROBE_ALLOW,
    ...FAST_LEASE,
    ...(options.args ?? []),
  ];
  const proc = new EchoProcess(spawnBin('tcpshift', args, { env: { LOG_LEVEL: 'info', ...options.env } }));
  const serving = await proc.waitForRecord((r) => r.msg === 'serving', 20_000);
  const exit = async (signal: NodeJS.Signals) => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
    return proc.exited;
  };
  return {
    identity: options.identity,
    proc,
    healthPort: serving.healthPort as number,
    metricsPort: serving.metricsPort as number,
    async leading(timeoutMs = 20_000) {
      await proc.waitForRecord((r) => r.msg === 'leading: reconciling TCPShifts', timeoutMs);
    },
    async metrics() {
      return (await httpGet(serving.metricsPort as number, '/metrics')).body;
    },
    shiftRecords: (key) => proc.records.filter((r) => r.shift === key),
    stop: () => exit('SIGTERM'),
    kill: () => exit('SIGKILL'),
  };
}

/** Poll `read` until `done` holds for what it returns. */
export async function waitForValue<T>(read: () => T, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  let last: T = read();
  await waitFor(() => done((last = read())), `${what} (last seen: ${JSON.stringify(last)?.slice(0, 400)})`, timeoutMs);
  return last;
}

/** Poll until `read` returns something `done` accepts; that thing. */
export async function waitForObject<T>(read: () => T | undefined, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const found = await waitForValue(read, (v) => v !== undefined && done(v), what, timeoutMs);
  return found as T;
}
