/**
 * One probe connection's first exchange, kept whole: connect, send `PING <tag> 0`, read what the
 * server sends up to and including the echo (the ServerGreeting; with another protocol, run its
 * opening steps and keep what they received), and name the version with the
 * spec's identify mode. The pre-flight runs a few of these before the first weight write: they
 * must all identify as the stable version; when they cannot, `suggestIdentify` names the mode
 * that fits what came back.
 */
import { describePeerLine, isVersionName } from './peer-text.js';
import type { Clock } from '../util/clock.js';
import type { ProbeAddress } from './address.js';
import type { SessionFailure } from './echo-session.js';
import type { IdentifyConfig, ServerGreeting } from './identify.js';
import { openSession, sessionConfig, type ProtocolOptions } from './session.js';

export type GreetingResult =
  | { kind: 'identified'; version: string; greeting: ServerGreeting }
  | { kind: 'unidentified'; greeting: ServerGreeting }
  | { kind: 'failed'; failure: SessionFailure };

export interface GreetingOptions extends ProtocolOptions {
  address: ProbeAddress;
  identify: IdentifyConfig;
  connectTimeoutMs: number;
  replyTimeoutMs: number;
  /** The long-lived heartbeat (an MQTT keep-alive is derived from it). */
  heartbeatMs?: number;
  clock: Clock;
}

/** Open one connection, read its greeting and echo (or run the protocol's opening), close it. */
export function readGreeting(options: GreetingOptions, tag: string): Promise<GreetingResult> {
  const config = sessionConfig(options);
  const identify = config.identify;
  let seen: ServerGreeting | undefined;
  return new Promise((resolve) => {
    const session = openSession(
      {
        ...config,
        identify: (greeting) => {
          seen = greeting;
          return identify(greeting);
        },
      },
      tag,
      {
        ready: (version) => {
          const greeting = seen ?? { bannerLines: [], replyLine: '', replyPrefix: '' };
          void session.close();
          resolve(version === undefined ? { kind: 'unidentified', greeting } : { kind: 'identified', version, greeting });
        },
        echoed: () => undefined,
        failed: (failure) => resolve({ kind: 'failed', failure }),
      },
    );
  });
}

const VERSION_LINE = /^Version:\s*(\S+)/;

/** The identify mode that would name a version in this greeting, as spec YAML; undefined when none fits. */
export function suggestIdentify(greeting: ServerGreeting): string | undefined {
  if (greeting.bannerLines.some((line) => VERSION_LINE.test(line))) return '{mode: banner}';
  const prefix = greeting.replyPrefix;
  if (prefix !== '' && isVersionName(prefix)) {
    // Istio's tcp-echo sample answers `one <line>` from v1 and `two <line>` from v2.
    const canary = prefix === 'one' ? 'two' : '<the canary prefix>';
    return `{mode: prefix, stable: ${prefix}, canary: ${canary}}`;
  }
  return undefined;
}

/**
 * What came back, for a message that ends up in status and Events: its shape, never the bytes a
 * server sent (src/probe/peer-text.ts): banner lines and their sizes, whether one starts with
 * `Version:`, and the echo's prefix only when it looks like a version name.
 */
export function describeGreeting(greeting: ServerGreeting): string {
  if (greeting.script !== undefined) {
    const lines = greeting.bannerLines;
    const received = lines.length === 0 ? 'nothing' : `${lines.length} line(s) (${lines.slice(0, 3).map(describePeerLine).join(', ')})`;
    return `the ${greeting.script} opening passed, receiving ${received}${greeting.captured === undefined ? '' : ', and its version group captured a value'}`;
  }
  const banner = greeting.bannerLines.length === 0 ? 'no banner' : `${greeting.bannerLines.length} banner line(s) (${greeting.bannerLines.slice(0, 3).map(describePeerLine).join(', ')}${greeting.bannerLines.some((l) => VERSION_LINE.test(l)) ? ', one starting with Version:' : ', none starting with Version:'})`;
  const prefix = greeting.replyPrefix;
  const echo = prefix === '' ? 'the echo verbatim' : isVersionName(prefix) ? `the echo after the prefix ${prefix}` : `the echo after a prefix that is not a version name (${describePeerLine(prefix)})`;
  return `${banner}, then ${echo}`;
}
