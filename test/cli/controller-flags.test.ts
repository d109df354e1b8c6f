// `tcpshift controller` refuses bad flags before it connects or listens: exit 2, the flag named.
import { describe, expect, it } from 'vitest';
import { runTcpshift } from '../support/cli.js';

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runTcpshift(['controller', '--kubeconfig', '/nonexistent/kubeconfig', ...args], { env });

describe('tcpshift controller: bad input', () => {
  it.each([
    [['--health-port', 'http'], /--health-port: 'http' is not a port number/],
    [['--metrics-port', '70000'], /--metrics-port: '70000' is not a port number/],
    [['--lease-duration', '1500ms'], /--lease-duration: '1500ms' must be a whole number of seconds/],
    [['--status-interval', '1000000h'], /--status-interval: '1000000h' is not a positive duration up to 1h/],
    [['--lease-duration', '5s', '--renew-deadline', '5s'], /--renew-deadline: '5s' must be shorter than --lease-duration/],
    [['--renew-deadline', '2s', '--retry-period', '2s'], /--retry-period: '2s' must be below --renew-deadline \/ 1\.2/],
    [['--status-interval', 'soon'], /--status-interval: 'soon' is not/],
    [['--workers', '0'], /--workers: '0' is not a whole number in 1\.\.256/],
    [['--probe-mode', 'fast'], /--probe-mode.*fast.*Allowed choices are full, light/],
    [['--log-level', 'loud'], /--log-level: 'loud' is not one of debug, info, warn, error/],
    [['--probe-allow', '10.0.0.0/40'], /--probe-allow: '10.0.0.0\/40': the prefix length must be 0\.\.32/],
    [['--probe-allow', 'no such thing'], /--probe-allow: 'no such thing' is not understood/],
    [['--probe-budget-connections', '0'], /--probe-budget-connections: '0' is not a whole number in 1\.\.100000/],
  ])('%j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('names LOG_LEVEL when the environment is wrong, and --kubeconfig when it cannot be loaded', async () => {
    const level = await run([], { LOG_LEVEL: 'chatty' });
    expect(level.code).toBe(2);
    expect(level.stderr).toMatch(/LOG_LEVEL: 'chatty' is not one of/);
    const kubeconfig = await run([]);
    expect(kubeconfig.code).toBe(2);
    expect(kubeconfig.stderr).toMatch(/--kubeconfig: cannot load \/nonexistent\/kubeconfig/);
  });

  it('--help shows the examples and the probe modes', async () => {
    const r = await runTcpshift(['controller', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tcpshift controller --identity \$POD_NAME --metrics-port 9090 --health-port 8081/);
    expect(r.stdout).toMatch(/--probe-mode light replaces the probes by ONE connection per step/);
    expect(r.stdout).toMatch(/--probe-allow bounds where spec.probe.address may point \(default namespace:istio-system/);
    expect(r.stdout).toMatch(/--probe-budget-connections bounds the probe connections of all shifts together/);
  });
});
