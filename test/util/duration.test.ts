import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, requireDuration } from '../../src/util/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['45s', 45_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1.5s', 1500],
    ['1h2m3s', 3_723_000],
    ['0', 0],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '45', 's', '1x', '-1s', '1m 30s', '1.s', 'ms'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('refuses what a Node timer cannot hold (2^31-1 ms, about 596 h) and 400-digit numbers', () => {
    expect(parseDuration('596h')).toBe(596 * 3_600_000);
    expect(parseDuration('2147483647ms')).toBe(2 ** 31 - 1);
    expect(parseDuration('2147483648ms')).toBeUndefined();
    expect(parseDuration('1000000h')).toBeUndefined();
    expect(parseDuration(`${'9'.repeat(400)}s`)).toBeUndefined();
    expect(parseDuration(`${'0'.repeat(400)}1s`)).toBeUndefined();
  });

  it('names the field in the error', () => {
    expect(() => requireDuration('fast', '--heartbeat')).toThrow(/--heartbeat: 'fast' is not a duration/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [3_723_000, '1h2m3s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
