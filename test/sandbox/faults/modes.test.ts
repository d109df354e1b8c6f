import { describe, expect, it } from 'vitest';
import { corruptBytes, faultSetting } from '../../../src/sandbox/faults/index.js';

describe('corruptBytes', () => {
  it('changes every byte but the line ends, and never makes a new line end', () => {
    const input = Buffer.from([0x50, 0x0a, 0x0d, 0x0b, 0x0c, 0x00, 0xff]);
    const out = corruptBytes(input);
    expect([...out]).toEqual([0x51, 0x0a, 0x0d, 0x0b, 0x0c, 0x01, 0xfe]);
    expect(corruptBytes(Buffer.from('one PING 1 1\n')).toString()).not.toContain('PING');
  });
});

describe('faultSetting', () => {
  it('carries the delay only in delay mode', () => {
    expect(faultSetting('delay', { delayMs: 25 })).toEqual({ mode: 'delay', delayMs: 25 });
    expect(faultSetting('pass', { delayMs: 25 })).toEqual({ mode: 'pass', delayMs: 0 });
  });

  it('rejects a negative delay', () => {
    expect(() => faultSetting('delay', { delayMs: -1 })).toThrow(/delayMs >= 0/);
  });
});
