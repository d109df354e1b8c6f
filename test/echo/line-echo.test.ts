import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineEcho, datagramReply, type LineEcho } from '../../src/echo/line-echo.js';

/** Feed the chunks; return what came back, or 'overflow' at the first overflow. */
function feed(echo: LineEcho, chunks: string[]): string {
  let out = '';
  for (const chunk of chunks) {
    const { reply, overflow } = echo.push(Buffer.from(chunk));
    if (overflow) return `${out}<overflow>`;
    if (reply) out += reply.toString();
  }
  return out;
}

/** Split text into chunks at the given cut points. */
function cut(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let start = 0;
  for (const p of points) {
    chunks.push(text.slice(start, p));
    start = p;
  }
  chunks.push(text.slice(start));
  return chunks;
}

const lineText = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\r', '\n', 'é'), maxLength: 60 });

describe('line echo without a prefix', () => {
  it('sends every byte back verbatim, partial lines included', () => {
    const echo = createLineEcho({ maxLineBytes: 100 });
    expect(feed(echo, ['hel'])).toBe('hel');
    expect(feed(echo, ['lo\r\nwor', 'ld\n'])).toBe('lo\r\nworld\n');
  });

  it('echoes any byte stream unchanged, however it is cut into chunks', () => {
    fc.assert(
      fc.property(lineText, fc.array(fc.nat(), { maxLength: 5 }), (text, cuts) => {
        expect(feed(createLineEcho({ maxLineBytes: 1000 }), cut(text, cuts))).toBe(text);
      }),
    );
  });

  it('overflows when a line, counted across chunks, exceeds the limit', () => {
    expect(feed(createLineEcho({ maxLineBytes: 5 }), ['12345\n', '12345\n'])).toBe('12345\n12345\n');
    expect(feed(createLineEcho({ maxLineBytes: 5 }), ['123', '456'])).toBe('123<overflow>');
    expect(feed(createLineEcho({ maxLineBytes: 5 }), ['123', '456\nok\n'])).toBe('123<overflow>');
    expect(feed(createLineEcho({ maxLineBytes: 5 }), ['ok\n123456\n'])).toBe('<overflow>');
  });
});

describe('line echo with a prefix', () => {
  it('answers only complete lines, as "<prefix> <line>", without the \\r of \\r\\n', () => {
    const echo = createLineEcho({ prefix: 'two', maxLineBytes: 100 });
    expect(feed(echo, ['hel'])).toBe('');
    expect(feed(echo, ['lo\r\nwor'])).toBe('two hello\n');
    expect(feed(echo, ['ld\n\n'])).toBe('two world\ntwo \n');
  });

  it('gives the same replies however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(lineText, fc.array(fc.nat(), { maxLength: 5 }), (text, cuts) => {
        const whole = feed(createLineEcho({ prefix: 'one', maxLineBytes: 1000 }), [text]);
        expect(feed(createLineEcho({ prefix: 'one', maxLineBytes: 1000 }), cut(text, cuts))).toBe(whole);
        const complete = text.split('\n').slice(0, -1);
        expect(whole).toBe(complete.map((l) => `one ${l.replace(/\r$/, '')}\n`).join(''));
      }),
    );
  });

  it('overflows on a partial line past the limit without waiting for its end (bounded buffer)', () => {
    const echo = createLineEcho({ prefix: 'p', maxLineBytes: 1000 });
    let result = { overflow: false };
    let sent = 0;
    while (!result.overflow && sent < 5000) {
      result = echo.push(Buffer.from('x'));
      sent++;
    }
    expect(result.overflow).toBe(true);
    expect(sent).toBe(1001);
  });

  it('overflows on a complete line past the limit', () => {
    expect(feed(createLineEcho({ prefix: 'p', maxLineBytes: 3 }), ['abc\n', 'abcd\n'])).toBe('p abc\n<overflow>');
  });
});

describe('datagram replies', () => {
  it('are the datagram itself without a prefix', () => {
    expect(datagramReply(Buffer.from('ping 1'), undefined).reply?.toString()).toBe('ping 1');
  });

  it('prefix every line of the datagram, a last one without \\n included', () => {
    expect(datagramReply(Buffer.from('a\r\nb'), 'two').reply?.toString()).toBe('two a\ntwo b\n');
    expect(datagramReply(Buffer.from('a\n'), 'two').reply?.toString()).toBe('two a\n');
    expect(datagramReply(Buffer.alloc(0), 'two').reply).toBeUndefined();
  });

  it('are never larger than twice the datagram plus one prefix, nor than one UDP payload, and say how many lines they left out', () => {
    const flood = datagramReply(Buffer.from('\n'.repeat(100)), 'two');
    expect(flood.reply?.length).toBe(205);
    expect(flood.droppedLines).toBe(59);
    const long = 'y'.repeat(40_000);
    const big = datagramReply(Buffer.from(`${long}\n${long}`), 'two');
    expect(big.reply?.toString()).toBe(`two ${long}\n`);
    expect(big.droppedLines).toBe(1);
    expect(datagramReply(Buffer.from('x'), 'a-long-prefix').reply?.toString()).toBe('a-long-prefix x\n');
  });
});
