import type { Identify } from '../../spec/identify.js';
import type { ProbeProtocol } from '../../spec/probe-protocol.js';
import { clientIdFor, CONNACK_ACCEPTED_PATTERN, connectPacket, DISCONNECT, PINGREQ, PINGRESP_PATTERN } from './mqtt-packets.js';
import { compileSteps, sendBytesOf, type CompiledScript, type CompiledStep } from './script.js';
import type { ScriptStep } from '../../spec/probe-protocol.js';

/** What compiling a protocol needs besides the protocol: timings and the identify mode. */
export interface ProtocolContext {
  identify: Identify;
  /** Default expect timeout (probe.longLived.timeout). */
  timeoutMs: number;
  heartbeatMs: number;
}

/**
 * The protocol as a script, or undefined for echo (EchoSession speaks it). Presets are scripts a
 * user could have written (README "Probing real protocols"):
 * - redis: RESP. Opening: the identify command (its answer must match identify.pattern, whose
 *   `version` group names the version) or PING/+PONG; heartbeat PING/+PONG.
 * - mqtt: 3.1.1 CONNECT (clean session, a generated client id, keep-alive 3 heartbeats and at
 *   least 10 s) / CONNACK accepted; heartbeat PINGREQ/PINGRESP; DISCONNECT before our FIN.
 * - ssh: the server's identification string (RFC 4253 section 4.2); new connections only.
 * - postgres: SSLRequest answered S or N (protocol section 54.2.10); new connections only.
 */
export function compileProtocol(protocol: ProbeProtocol, context: ProtocolContext): CompiledScript | undefined {
  const { timeoutMs } = context;
  const steps = (list: readonly ScriptStep[]): CompiledStep[] => compileSteps(list, timeoutMs);
  switch (protocol.name) {
    case 'echo':
      return undefined;
    case 'script':
      return { name: 'script', open: steps(protocol.open), heartbeat: steps(protocol.heartbeat), close: sendBytesOf(steps(protocol.close)) };
    case 'redis':
      return { name: 'redis', open: steps(redisOpening(protocol.command, context.identify)), heartbeat: steps(REDIS_PING), close: Buffer.alloc(0) };
    case 'mqtt':
      return mqttScript(protocol.clientIdPrefix, context);
    case 'ssh':
      return { name: 'ssh', open: steps([{ expect: '^SSH-2\\.0-[^\\r\\n]*\\r?\\n' }]), heartbeat: [], close: Buffer.alloc(0) };
    case 'postgres':
      return { name: 'postgres', open: steps([{ sendHex: '00000008 04d2162f' }, { expect: '\\A[SN]' }]), heartbeat: [], close: Buffer.alloc(0) };
  }
}

const REDIS_PING: ScriptStep[] = [{ send: '*1\\r\\n$4\\r\\nPING\\r\\n' }, { expect: '\\+PONG\\r\\n' }];

function redisOpening(command: string | undefined, identify: Identify): ScriptStep[] {
  if (command === undefined) return REDIS_PING;
  const send = respCommand(command.split(' '));
  // The identify pattern is the opening's expect: the command's answer must hold the version.
  return [{ send }, { expect: identify.mode === 'regex' ? identify.pattern : '\\r\\n' }];
}

/** A command as RESP: an array of bulk strings (`*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n`), written in the escape notation. */
export function respCommand(words: readonly string[]): string {
  const escaped = (word: string): string => word.replace(/\\/g, '\\\\');
  return `*${words.length}\\r\\n${words.map((w) => `$${Buffer.byteLength(w)}\\r\\n${escaped(w)}\\r\\n`).join('')}`;
}

function mqttScript(clientIdPrefix: string, context: ProtocolContext): CompiledScript {
  const keepAlive = Math.min(65_535, Math.max(10, Math.ceil((3 * context.heartbeatMs) / 1000)));
  const connect: CompiledStep = { kind: 'send', bytes: connectPacket(`${clientIdPrefix}x`, keepAlive), perConnection: (tag) => connectPacket(clientIdFor(clientIdPrefix, tag), keepAlive) };
  return {
    name: 'mqtt',
    open: [connect, ...compileSteps([{ expect: CONNACK_ACCEPTED_PATTERN }], context.timeoutMs)],
    heartbeat: compileSteps([{ sendHex: PINGREQ.toString('hex') }, { expect: PINGRESP_PATTERN }], context.timeoutMs),
    close: DISCONNECT,
  };
}
