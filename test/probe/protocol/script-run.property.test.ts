// The script engine and the byte notation, over every way TCP may cut or coalesce the bytes: a
// run's outcome (what it sent, how far it got, the version it captured, what is left) must be
// the same whether the server's answer arrives one byte at a time, all at once, or in random pieces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSteps } from '../../../src/probe/protocol/script.js';
import { ReceiveBuffer } from '../../../src/probe/protocol/receive-buffer.js';
import { ScriptRun, type RunState } from '../../../src/probe/protocol/script-run.js';
import { escapeBytes, parseEscapes, parseHex } from '../../../src/spec/byte-escapes.js';
import type { ScriptStep } from '../../../src/spec/probe-protocol.js';

interface Outcome {
  sent: string;
  state: RunState['kind'];
  captured: string | undefined;
  left: string;
}

/** Feed `bytes` cut at `cuts`, advancing after each piece, then settle a tentative match (the step's timer). */
function runOver(steps: ScriptStep[], bytes: Buffer, cuts: number[]): Outcome {
  const sent: Buffer[] = [];
  const run = new ScriptRun(compileSteps(steps, 1000), (step) => sent.push(step.bytes));
  const inbox = new ReceiveBuffer();
  let state = run.advance(inbox, false);
  const bounds = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...bounds, bytes.length]) {
    if (to <= from) continue;
    inbox.append(bytes.subarray(from, to));
    from = to;
    state = run.advance(inbox, false);
  }
  if (state.kind === 'waiting' && state.tentative && run.settle(inbox)) state = run.advance(inbox, false);
  return { sent: Buffer.concat(sent).toString('latin1'), state: state.kind, captured: run.captured, left: inbox.text() };
}

const REDIS_INFO: ScriptStep[] = [{ send: '*2\\r\\n$4\\r\\nINFO\\r\\n$6\\r\\nserver\\r\\n' }, { expect: 'redis_version:(?<version>\\S+)' }, { send: '*1\\r\\n$4\\r\\nPING\\r\\n' }, { expect: '\\+PONG\\r\\n' }];
const INFO_ANSWER = Buffer.from('$120\r\n# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\nos:Linux 6.1.0 x86_64\r\n\r\n+PONG\r\n', 'latin1');
const MQTT: ScriptStep[] = [{ sendHex: '10 0c 00 04 4d 51 54 54 04 02 00 0a 00 00' }, { expect: '\\x20\\x02\\x00\\x00' }, { sendHex: 'c0 00' }, { expectBytes: 2 }, { expect: '(?<version>v\\d+)\\n' }];
const MQTT_ANSWER = Buffer.from([0x20, 0x02, 0x00, 0x00, 0xd0, 0x00, ...Buffer.from('v12\ntrailing')]);

describe('ScriptRun over fragmented and coalesced reads', () => {
  const cases: [string, ScriptStep[], Buffer, Partial<Outcome>][] = [
    ['a Redis INFO identification then PING', REDIS_INFO, INFO_ANSWER, { state: 'done', captured: '7.0.15', left: '' }],
    ['a binary MQTT exchange with a byte count', MQTT, MQTT_ANSWER, { state: 'done', captured: 'v12', left: 'trailing' }],
  ];

  it.each(cases)('%s: one byte at a time equals all at once equals any cut', (_name, steps, answer, expected) => {
    const whole = runOver(steps, answer, []);
    expect(whole).toMatchObject(expected);
    expect(runOver(steps, answer, Array.from({ length: answer.length }, (_, i) => i))).toEqual(whole);
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
      expect(runOver(steps, answer, cuts)).toEqual(whole);
    }), { numRuns: 200 });
  });

  it('waits at an expect that is not satisfied yet and sends nothing past it', () => {
    const outcome = runOver(REDIS_INFO, Buffer.from('$5\r\n# Ser', 'latin1'), [3]);
    expect(outcome).toMatchObject({ state: 'waiting', captured: undefined, sent: '*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n' });
  });

  it('takes a version that ends the bytes received only when more bytes come or the step settles', () => {
    const steps: ScriptStep[] = [{ expect: 'v=(?<version>\\d+)' }];
    const run = new ScriptRun(compileSteps(steps, 1000), () => undefined);
    const inbox = new ReceiveBuffer();
    inbox.append(Buffer.from('v=1'));
    expect(run.advance(inbox, false)).toMatchObject({ kind: 'waiting', tentative: true });
    inbox.append(Buffer.from('2;'));
    expect(run.advance(inbox, false)).toEqual({ kind: 'done' });
    expect(run.captured).toBe('12');
  });

  it('overflows when the bound is reached without a match', () => {
    const run = new ScriptRun(compileSteps([{ expect: 'never' }], 1000), () => undefined);
    const inbox = new ReceiveBuffer(8);
    expect(inbox.append(Buffer.from('0123456789'))).toBe(false);
    expect(run.advance(inbox, true)).toMatchObject({ kind: 'overflow', index: 0 });
  });
});

describe('the byte notation', () => {
  it('reads escapes and hex', () => {
    expect(parseEscapes('PING\\r\\n\\x00\\\\é')).toEqual({ ok: true, bytes: Buffer.from([0x50, 0x49, 0x4e, 0x47, 0x0d, 0x0a, 0x00, 0x5c, 0xc3, 0xa9]) });
    expect(parseHex('c0 00')).toEqual({ ok: true, bytes: Buffer.from([0xc0, 0x00]) });
  });

  it.each([
    ['PING\\', /lone backslash \(offset 4\)/],
    ['\\x4', /\\x without two hex digits at offset 0/],
    ['\\xZZ', /\\x without two hex digits/],
    ['a\\q', /unknown escape \\q at offset 1/],
  ])('refuses %s', (text, problem) => {
    const parsed = parseEscapes(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  it('refuses odd or non-hex sendHex', () => {
    expect(parseHex('c0 0').ok).toBe(false);
    expect(parseHex('zz').ok).toBe(false);
  });

  it('escapes any bytes so that parsing gives them back, with no control character left', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const text = escapeBytes(bytes);
      expect(text).toMatch(/^[\x20-\x7e]*$/);
      expect(parseEscapes(text)).toEqual({ ok: true, bytes: Buffer.from(bytes) });
    }), { numRuns: 500 });
  });
});
