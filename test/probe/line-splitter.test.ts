import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/probe/line-splitter.js';

describe('LineSplitter', () => {
  it('joins lines split across chunks and drops CR of CRLF', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('Vers'))).toEqual([]);
    expect(s.push(Buffer.from('ion: v1\r\n\nPING 1 0\nPI'))).toEqual(['Version: v1', '', 'PING 1 0']);
    expect(s.push(Buffer.from('NG 1 1\n'))).toEqual(['PING 1 1']);
  });

  it('keeps a multi-byte character split between chunks intact', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('pod-é\n');
    expect(s.push(bytes.subarray(0, 5))).toEqual([]);
    expect(s.push(bytes.subarray(5))).toEqual(['pod-é']);
  });

  it('flags a partial line longer than the limit', () => {
    const s = new LineSplitter(8);
    s.push(Buffer.from('12345678'));
    expect(s.overflowed).toBe(false);
    s.push(Buffer.from('9'));
    expect(s.overflowed).toBe(true);
  });
});
