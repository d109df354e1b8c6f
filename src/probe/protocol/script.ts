import type { RE2JS } from 're2js';
import { parseEscapes, parseHex } from '../../spec/byte-escapes.js';
import { compileExpectPattern } from '../../spec/expect-pattern.js';
import { durationMs } from '../../spec/duration-field.js';
import type { ScriptStep } from '../../spec/probe-protocol.js';

/** One step of a compiled probe script; shared by every connection that runs it. */
export type CompiledStep =
  /** `perConnection` makes bytes that differ per connection (an MQTT client id) from its tag. */
  | { kind: 'send'; bytes: Buffer; perConnection?: (tag: string) => Buffer }
  | { kind: 'expect'; pattern: RE2JS; source: string; namesVersion: boolean; timeoutMs: number }
  | { kind: 'expectBytes'; count: number; timeoutMs: number };

/** A protocol as steps: opening (new connections run only these), each heartbeat, and the bytes sent before our FIN. */
export interface CompiledScript {
  /** The protocol's name for messages (script, redis, mqtt, ...). */
  name: string;
  open: readonly CompiledStep[];
  heartbeat: readonly CompiledStep[];
  close: Buffer;
}

/** Compile steps the spec already validated; `defaultTimeoutMs` for an expect without its own timeout. */
export function compileSteps(steps: readonly ScriptStep[], defaultTimeoutMs: number): CompiledStep[] {
  return steps.map((step) => compileStep(step, defaultTimeoutMs));
}

function compileStep(step: ScriptStep, defaultTimeoutMs: number): CompiledStep {
  const timeoutMs = step.timeout === undefined ? defaultTimeoutMs : durationMs(step.timeout);
  if (step.send !== undefined) return { kind: 'send', bytes: bytesOf(parseEscapes(step.send), 'send') };
  if (step.sendHex !== undefined) return { kind: 'send', bytes: bytesOf(parseHex(step.sendHex), 'sendHex') };
  if (step.expectBytes !== undefined) return { kind: 'expectBytes', count: step.expectBytes, timeoutMs };
  const source = step.expect ?? '';
  const compiled = compileExpectPattern(source);
  if (!compiled.ok) throw new Error(`expect ${compiled.problem}`);
  return { kind: 'expect', pattern: compiled.pattern, source, namesVersion: compiled.namesVersion, timeoutMs };
}

function bytesOf(parsed: ReturnType<typeof parseEscapes>, field: string): Buffer {
  if (!parsed.ok) throw new Error(`${field} ${parsed.problem}`);
  return parsed.bytes;
}

/** The bytes of the send steps, concatenated (the close steps). */
export function sendBytesOf(steps: readonly CompiledStep[]): Buffer {
  return Buffer.concat(steps.flatMap((step) => (step.kind === 'send' ? [step.bytes] : [])));
}

/** How a step is named in messages: `expect /\+PONG\r\n/`, `expect 4 bytes`. */
export function describeStep(step: CompiledStep): string {
  if (step.kind === 'send') return `send of ${step.bytes.length} bytes`;
  if (step.kind === 'expectBytes') return `expect ${step.count} bytes`;
  return `expect /${step.source}/`;
}
