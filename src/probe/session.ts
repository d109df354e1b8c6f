import type { ProbeProtocol, ProbeTls } from '../spec/probe-protocol.js';
import type { Clock } from '../util/clock.js';
import type { ProbeAddress } from './address.js';
import { EchoSession, type EchoSessionConfig, type EchoSessionEvents, type SessionTimings } from './echo-session.js';
import { versionIdentifier, type IdentifyConfig } from './identify.js';
import { tlsSettings, type TlsSettings } from './protocol/connect.js';
import { compileProtocol } from './protocol/presets.js';
import type { CompiledScript } from './protocol/script.js';
import { ScriptSession } from './protocol/script-session.js';

/** What every session of a pool or sampler shares: the echo settings plus the protocol and TLS. */
export interface SessionConfig extends EchoSessionConfig {
  /** undefined: the echo protocol (EchoSession). */
  script: CompiledScript | undefined;
  tls: TlsSettings | undefined;
}

/** One probe connection, whatever it speaks: what the pool and the sampler drive. */
export interface ProbeSession {
  readonly isReady: boolean;
  readonly timings: SessionTimings;
  readonly localPort: number | undefined;
  /** One heartbeat: the echo protocol's next PING line, or a run of the script's heartbeat steps. */
  ping(): void;
  /** Close from our side; no failure is reported. */
  close(): Promise<void>;
}

/** Open a connection speaking the configured protocol. */
export function openSession(config: SessionConfig, tag: string, events: EchoSessionEvents): ProbeSession {
  return config.script ? new ScriptSession(config, tag, events) : new EchoSession(config, tag, events);
}

/** What a probe connection speaks: spec.probe.protocol and spec.probe.tls (default: echo over TCP). */
export interface ProtocolOptions {
  protocol?: ProbeProtocol | undefined;
  tls?: ProbeTls | undefined;
}

export interface SessionSettings extends ProtocolOptions {
  address: ProbeAddress;
  identify: IdentifyConfig;
  clock: Clock;
  connectTimeoutMs: number;
  /** Each echo, and each expect without its own timeout, within this. */
  replyTimeoutMs: number;
  /** Long-lived heartbeat (an MQTT keep-alive is derived from it); default the reply timeout. */
  heartbeatMs?: number;
}

/** The one config object every session of a pool, sampler or pre-flight check shares. */
export function sessionConfig(settings: SessionSettings): SessionConfig {
  const { identify, replyTimeoutMs } = settings;
  return {
    address: settings.address,
    clock: settings.clock,
    identify: versionIdentifier(identify),
    connectTimeoutMs: settings.connectTimeoutMs,
    replyTimeoutMs,
    script: compileProtocol(settings.protocol ?? { name: 'echo' }, { identify, timeoutMs: replyTimeoutMs, heartbeatMs: settings.heartbeatMs ?? replyTimeoutMs }),
    tls: tlsSettings(settings.tls, settings.address.host),
  };
}
