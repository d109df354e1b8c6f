import { describe, expect, it } from 'vitest';
import { ECHO_DEFAULTS, EchoSettingError, resolveEchoSettings, type EchoFlags } from '../../src/echo/index.js';

const resolve = (flags: EchoFlags, env: NodeJS.ProcessEnv = {}) => resolveEchoSettings(flags, env, 'host-1');

function errorOf(flags: EchoFlags, env: NodeJS.ProcessEnv = {}): string {
  try {
    resolve(flags, env);
  } catch (err) {
    expect(err).toBeInstanceOf(EchoSettingError);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('echo settings', () => {
  it('defaults as DESIGN says: port 9000, pod = host name, full banner, health 8080, text logs', () => {
    const { server, logFormat } = resolve({ version: 'v1' });
    expect(server).toMatchObject({
      ports: [9000],
      version: 'v1',
      pod: 'host-1',
      prefix: undefined,
      banner: 'full',
      idleTimeoutMs: 0,
      healthPort: 8080,
      drainGraceMs: ECHO_DEFAULTS.drainGraceMs,
      udp: false,
      maxConnections: 0,
      maxLineBytes: 65536,
    });
    expect(logFormat).toBe('text');
  });

  it("takes Istio tcp-echo-server's positional form: those ports and prefix, no banner, no health server, the prefix as version", () => {
    const { server } = resolveEchoSettings({}, {}, 'host-1', ['9000,9001,9002', 'one']);
    expect(server).toMatchObject({ ports: [9000, 9001, 9002], prefix: 'one', banner: 'none', healthPort: null, version: 'one' });
    const flagged = resolveEchoSettings({ healthPort: '8080', banner: 'full' }, { VERSION: 'v1' }, 'host-1', ['9000', 'one']);
    expect(flagged).toMatchObject({ server: { healthPort: 8080, banner: 'full', version: 'v1' } });
    expect(() => resolveEchoSettings({}, {}, 'h', ['9000'])).toThrow(/expected no arguments, or two .*got 1: 9000/);
    expect(() => resolveEchoSettings({ prefix: 'two' }, {}, 'h', ['9000', 'one'])).toThrow(/either as arguments .* or as --port\/--prefix/);
    expect(() => resolveEchoSettings({}, {}, 'h', ['90x', 'one'])).toThrow(/the ports argument: '90x'/);
  });

  it('falls back to PORT, VERSION, POD_NAME, PREFIX and NC_MAX_IDLE (seconds)', () => {
    const { server } = resolve({}, { PORT: '9000,9001', VERSION: 'v2', POD_NAME: 'echo-v2-x', PREFIX: 'two', NC_MAX_IDLE: '20' });
    expect(server).toMatchObject({ ports: [9000, 9001], version: 'v2', pod: 'echo-v2-x', prefix: 'two', idleTimeoutMs: 20_000 });
  });

  it('lets flags win over the environment, and treats empty variables as unset', () => {
    const env = { PORT: '1', VERSION: 'v1', POD_NAME: 'a', PREFIX: 'one', NC_MAX_IDLE: '5' };
    const { server } = resolve({ port: '0,0', version: 'v2', pod: 'b', prefix: 'two', idleTimeout: '1m30s' }, env);
    expect(server).toMatchObject({ ports: [0, 0], version: 'v2', pod: 'b', prefix: 'two', idleTimeoutMs: 90_000 });
    expect(resolve({ version: 'v1' }, { PREFIX: '', POD_NAME: '' }).server).toMatchObject({ prefix: undefined, pod: 'host-1' });
  });

  it('reads every flag', () => {
    const { server, logFormat } = resolve({
      version: 'v1', banner: 'none', idleTimeout: '500ms', healthPort: '0', drainGrace: '2s', udp: true,
      maxConnections: '10', maxLineBytes: '100', logFormat: 'json', host: '::1',
    });
    expect(server).toMatchObject({ host: '::1', banner: 'none', idleTimeoutMs: 500, healthPort: 0, drainGraceMs: 2000, udp: true, maxConnections: 10, maxLineBytes: 100 });
    expect(logFormat).toBe('json');
  });

  it.each([
    [{ port: 'abc' }, '--port'],
    [{ port: '70000' }, '--port'],
    [{ port: '9000,9000' }, '--port'],
    [{ banner: 'maybe' }, '--banner'],
    [{ idleTimeout: 'x' }, '--idle-timeout'],
    [{ idleTimeout: '9'.repeat(400) }, '--idle-timeout'],
    [{ idleTimeout: '1000000h' }, '--idle-timeout'],
    [{ drainGrace: '1000000h' }, '--drain-grace'],
    [{ healthPort: '-1' }, '--health-port'],
    [{ drainGrace: 'soon' }, '--drain-grace'],
    [{ maxConnections: '1.5' }, '--max-connections'],
    [{ maxLineBytes: '0' }, '--max-line-bytes'],
    [{ logFormat: 'xml' }, '--log-format'],
    [{ pod: 'a b' }, '--pod'],
    [{ host: 'example.com' }, '--host'],
  ] as Array<[EchoFlags, string]>)('rejects %j naming %s', (flags, name) => {
    expect(errorOf({ version: 'v1', ...flags })).toMatch(new RegExp(`^${name}: '.*' is not `));
  });

  it('names the variable when the bad value came from the environment', () => {
    expect(errorOf({ version: 'v1' }, { NC_MAX_IDLE: '20s' })).toMatch(/^NC_MAX_IDLE: '20s' is not a number of seconds/);
    expect(errorOf({ version: 'v1' }, { PORT: 'http' })).toMatch(/^PORT: /);
  });

  it('requires a version', () => {
    expect(errorOf({})).toMatch(/--version \(or VERSION\) is required/);
  });
});
