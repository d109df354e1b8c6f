import { describe, expect, it } from 'vitest';
import { canaryVersionOf, formatIdentify, parseIdentify, versionIdentifier, type IdentifyConfig } from '../../src/probe/index.js';

describe('parseIdentify (the --identify flag)', () => {
  it.each<[string, IdentifyConfig]>([
    ['banner', { mode: 'banner' }],
    ['prefix:one,two', { mode: 'prefix', stable: 'one', canary: 'two' }],
    ['regex:^Version: (?<version>\\S+)', { mode: 'regex', pattern: '^Version: (?<version>\\S+)' }],
    ['regex:(?<version>a,b)', { mode: 'regex', pattern: '(?<version>a,b)' }],
  ])('%s', (text, config) => {
    expect(parseIdentify(text)).toEqual(config);
    expect(formatIdentify(config)).toBe(text);
  });

  it.each([
    ['bannr', /is not banner, prefix:STABLE,CANARY, regex:RE .* or certificate:subject.CN|SAN/],
    ['prefix:one', /two words, one comma/],
    ['prefix:one,two,three', /two words, one comma/],
    ['prefix:,two', /identify.stable: must be a non-empty word without spaces/],
    ['prefix:one,t wo', /identify.canary: must be a non-empty word without spaces/],
    ['prefix:one,one', /identify.canary: must differ from identify.stable/],
    ['regex:(unclosed', /identify.pattern: must be a valid regular expression/],
    ['regex:^Version: (\\S+)', /identify.pattern: must contain a named group `version`/],
    ['regex:(?<version>\\w)\\1', /identify.pattern: .*no backreferences or lookaround/],
  ])('rejects %s', (text, message) => {
    expect(() => parseIdentify(text)).toThrow(message);
  });
});

describe('versionIdentifier', () => {
  const banner = ['Sat Nov 21 10:54:00 UTC 2026', 'Server: 10.0.0.5:9000', 'Client: 10.0.0.9:53412', 'Version: v2 (echo-v2-7d9f)'];

  it('banner: the first word after Version:', () => {
    const id = versionIdentifier({ mode: 'banner' });
    expect(id({ bannerLines: banner, replyLine: 'PING 1 0', replyPrefix: '' })).toBe('v2');
    expect(id({ bannerLines: [], replyLine: 'one PING 1 0', replyPrefix: 'one' })).toBeUndefined();
  });

  it('prefix: the prefix itself, only when it is one of the two', () => {
    const id = versionIdentifier({ mode: 'prefix', stable: 'one', canary: 'two' });
    expect(id({ bannerLines: [], replyLine: 'two PING 1 0', replyPrefix: 'two' })).toBe('two');
    expect(id({ bannerLines: banner, replyLine: 'PING 1 0', replyPrefix: '' })).toBeUndefined();
    expect(id({ bannerLines: [], replyLine: 'three PING 1 0', replyPrefix: 'three' })).toBeUndefined();
  });

  it('regex: matched line by line over the banner and the echo', () => {
    const onBanner = versionIdentifier({ mode: 'regex', pattern: '^Server: 10\\.0\\.0\\.(?<version>\\d+):' });
    expect(onBanner({ bannerLines: banner, replyLine: 'PING 1 0', replyPrefix: '' })).toBe('5');
    const onEcho = versionIdentifier({ mode: 'regex', pattern: '^(?<version>\\w+) PING \\d+ 0$' });
    expect(onEcho({ bannerLines: [], replyLine: 'one PING 1 0', replyPrefix: 'one' })).toBe('one');
    expect(onEcho({ bannerLines: [], replyLine: 'PING 1 0', replyPrefix: '' })).toBeUndefined();
  });
});

describe('versionIdentifier with a script protocol (the opening\'s `version` group) or a certificate', () => {
  const opened = (captured: string | undefined) => ({ script: 'redis', bannerLines: ['$2', 'v2'], replyLine: '', replyPrefix: captured ?? '', ...(captured === undefined ? {} : { captured }) });

  it('banner takes the captured version; prefix requires it to be STABLE or CANARY; regex reads the received lines', () => {
    expect(versionIdentifier({ mode: 'banner' })(opened('v2'))).toBe('v2');
    expect(versionIdentifier({ mode: 'banner' })(opened(undefined))).toBeUndefined();
    const prefix = versionIdentifier({ mode: 'prefix', stable: '7.0.15', canary: '7.2.4' });
    expect(prefix(opened('7.2.4'))).toBe('7.2.4');
    expect(prefix(opened('6.2.0'))).toBeUndefined();
    expect(versionIdentifier({ mode: 'regex', pattern: '^(?<version>v\\d+)$' })(opened(undefined))).toBe('v2');
  });

  it('certificate reads the subject CN or the first SAN the pattern matches', () => {
    const certificate = { subjectCN: 'echo-v2', san: ['echo.example', 'echo-v3.example'] };
    const base = { bannerLines: [], replyLine: 'PING 1 0', replyPrefix: '', certificate };
    expect(parseIdentify('certificate:subject.CN')).toEqual({ mode: 'certificate', field: 'subject.CN' });
    expect(versionIdentifier({ mode: 'certificate', field: 'subject.CN' })(base)).toBe('echo-v2');
    expect(versionIdentifier(parseIdentify('certificate:SAN:^echo-(?<version>v\\d+)\\.'))(base)).toBe('v3');
    expect(versionIdentifier({ mode: 'certificate', field: 'SAN' })({ ...base, certificate: undefined })).toBeUndefined();
  });
});

describe('canaryVersionOf', () => {
  it('is the CANARY prefix in prefix mode, v2 otherwise, unless named', () => {
    expect(canaryVersionOf({ mode: 'prefix', stable: 'one', canary: 'two' })).toBe('two');
    expect(canaryVersionOf({ mode: 'banner' })).toBe('v2');
    expect(canaryVersionOf({ mode: 'banner' }, 'green')).toBe('green');
  });
});

describe('regex identification runs in linear time on bounded input (RE2)', () => {
  const greeting = (replyLine: string, bannerLines: string[] = []) => ({ bannerLines, replyLine, replyPrefix: '' });

  it("gives up at once on the issue's catastrophic pattern, where a backtracking engine ran for minutes", () => {
    const identify = versionIdentifier({ mode: 'regex', pattern: '(?<version>(\\S|\\S)*)!' });
    const started = performance.now();
    expect(identify(greeting('a'.repeat(31)))).toBeUndefined();
    expect(identify(greeting('a'.repeat(100_000)))).toBeUndefined();
    // Backtracking takes 2^31 steps for the first word alone; RE2 well under a millisecond per input.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(identify(greeting('v7!'))).toBe('v7');
  });

  it('sees only the first 4096 characters of what the server sent', () => {
    const identify = versionIdentifier({ mode: 'regex', pattern: 'Version: (?<version>\\S+)' });
    expect(identify(greeting('x', ['y'.repeat(4000), 'Version: v2']))).toBe('v2');
    expect(identify(greeting('x', ['y'.repeat(5000), 'Version: v2']))).toBeUndefined();
  });
});
