import { z } from 'zod';
import { parseEscapes, parseHex, ESCAPES_HELP } from './byte-escapes.js';
import { durationString, MAX_PROBE_DURATION_MS } from './duration-field.js';
import { compileExpectPattern } from './expect-pattern.js';
import { dns1123Subdomain } from './names.js';
import { integerIn } from './numbers.js';
import { isPlainObject, strictObject } from './strict-object.js';

/**
 * What a probe connection speaks (`spec.probe.protocol`, README "Probing real protocols"): `echo`
 * (tcpshift's PING line echoed, the default), a `script` of send/expect steps (like HAProxy's
 * tcp-check), or a preset that is such a script (src/probe/protocol/presets.ts). `spec.probe.tls`
 * wraps any of them. The cross-field rules (which protocols may hold long-lived connections, how
 * the version is identified) are in probe-protocol-rules.ts.
 */

/** Longest text or hex of one send, and most bytes one expectBytes waits for (the receive bound). */
export const MAX_SEND_CHARS = 4096;
export const MAX_RECEIVE_BYTES = 16 * 1024;
export const MAX_SCRIPT_STEPS = 32;

const STEP_KINDS = ['send', 'sendHex', 'expect', 'expectBytes'] as const;

const stepSchema = strictObject({
  send: z.string({ error: `must be ${ESCAPES_HELP}` }).max(MAX_SEND_CHARS).optional(),
  sendHex: z.string({ error: 'must be hex digits' }).max(MAX_SEND_CHARS).optional(),
  expect: z.string({ error: 'must be a regular expression' }).optional(),
  expectBytes: integerIn(1, MAX_RECEIVE_BYTES).optional(),
  timeout: durationString(1, MAX_PROBE_DURATION_MS).optional().describe('How long this expect may wait (default probe.longLived.timeout).'),
}, 'a step {send|sendHex|expect|expectBytes, timeout?}').superRefine((step, ctx) => {
  const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
  if (kinds.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `must have exactly one of ${STEP_KINDS.join(', ')}${kinds.length ? ` (has ${kinds.join(', ')})` : ''}` });
    return;
  }
  const problem = stepProblem(step);
  if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
});

export type ScriptStep = z.output<typeof stepSchema>;

function stepProblem(step: ScriptStep): { field: string; message: string } | undefined {
  if (step.timeout !== undefined && step.expect === undefined && step.expectBytes === undefined) {
    return { field: 'timeout', message: 'applies to expect and expectBytes steps only' };
  }
  if (step.send !== undefined) {
    const parsed = parseEscapes(step.send);
    return parsed.ok ? undefined : { field: 'send', message: parsed.problem };
  }
  if (step.sendHex !== undefined) {
    const parsed = parseHex(step.sendHex);
    return parsed.ok ? undefined : { field: 'sendHex', message: parsed.problem };
  }
  if (step.expect !== undefined) {
    const compiled = compileExpectPattern(step.expect);
    return compiled.ok ? undefined : { field: 'expect', message: compiled.problem };
  }
  return undefined;
}

const steps = z.array(stepSchema, { error: 'must be a list of steps' }).max(MAX_SCRIPT_STEPS, { error: `must have at most ${MAX_SCRIPT_STEPS} steps` });

/** A word of a Redis command: printable, no spaces (the command is sent as a RESP array). */
const REDIS_COMMAND = /^[\x21-\x7e]+( [\x21-\x7e]+){0,15}$/;

export const probeProtocolSchema = z
  .discriminatedUnion('name', [
    strictObject({ name: z.literal('echo') }),
    strictObject({
      name: z.literal('script'),
      open: steps.min(1, { error: 'must have at least one step' }).describe('Steps when a connection opens; an expect with a named group `version` identifies the version.'),
      heartbeat: steps.default([]).describe('Steps of each heartbeat of a long-lived connection.'),
      close: steps.default([]).describe('Sends before our FIN (no expects).'),
    }),
    strictObject({
      name: z.literal('redis'),
      command: z
        .string({ error: 'must be a Redis command such as INFO server' })
        .regex(REDIS_COMMAND, { error: 'must be a Redis command: 1 to 16 printable words separated by single spaces, e.g. INFO server' })
        .optional()
        .describe('Command sent when a connection opens; identify {mode: regex} reads its answer (e.g. INFO server, GET release).'),
    }),
    strictObject({
      name: z.literal('mqtt'),
      clientIdPrefix: z.string().regex(/^[0-9A-Za-z-]{1,16}$/, { error: 'must be 1 to 16 letters, digits or -' }).default('tcpshift-').describe('Client ids are this plus a random suffix (MQTT 3.1.1 CONNECT).'),
    }),
    strictObject({ name: z.literal('ssh') }),
    strictObject({ name: z.literal('postgres') }),
  ], { error: (issue) => (isPlainObject(issue.input) ? undefined : 'must be an object {name: echo|script|redis|mqtt|ssh|postgres, ...}') })
  .describe('What probe connections speak: echo (default), script (send/expect steps) or a preset (redis, mqtt, ssh, postgres).');

export type ProbeProtocol = z.output<typeof probeProtocolSchema>;
export type ProtocolName = ProbeProtocol['name'];
export const PROTOCOL_NAMES: readonly ProtocolName[] = ['echo', 'script', 'redis', 'mqtt', 'ssh', 'postgres'];
/** Protocols whose servers close an idle pre-authentication connection: new connections only. */
export const NEW_CONNECTIONS_ONLY: readonly ProtocolName[] = ['ssh', 'postgres'];

export const probeTlsSchema = strictObject({
  serverName: dns1123Subdomain.optional().describe('SNI and the name the certificate must carry (default: the probe host).'),
  ca: z.string().max(64 * 1024).regex(/-----BEGIN CERTIFICATE-----/, { error: 'must be PEM text with at least one -----BEGIN CERTIFICATE----- block' }).optional().describe('PEM CA certificates to verify the server with (default: the system roots).'),
  insecureSkipVerify: z.boolean({ error: 'must be true or false' }).default(false).describe('Do not verify the certificate (still reads it for identify mode certificate).'),
}, 'an object {serverName?, ca?, insecureSkipVerify?}').describe('Wrap probe connections in TLS (TLS passthrough routes).');

export type ProbeTls = z.output<typeof probeTlsSchema>;
