/**
 * One probe connection's first exchange, kept whole: connect, send `PING <tag> 0`, read what the
 * server sends up to and including the echo (the ServerGreeting), and name the version with the
 * spec's identify mode. The pre-flight runs a few of these before the first weight write: they
 * must all identify as the stable version; when they cannot, `suggestIdentify` names the mode
 * that fits what came back.
 */
import type { Clock } from '../util/clock.js';
import type { ProbeAddress } from './address.js';
import { EchoSession, type SessionFailure } from './echo-session.js';
import { versionIdentifier, type IdentifyConfig, type ServerGreeting } from './identify.js';

export type GreetingResult =
  | { kind: 'identified'; version: string; greeting: ServerGreeting }
  | { kind: 'unidentified'; greeting: ServerGreeting }
  | { kind: 'failed'; failure: SessionFailure };

export interface GreetingOptions {
  address: ProbeAddress;
  identify: IdentifyConfig;
  connectTimeoutMs: number;
  replyTimeoutMs: number;
  clock: Clock;
}

/** Open one connection, read its greeting and echo, close it. */
export function readGreeting(options: GreetingOptions, tag: string): Promise<GreetingResult> {
  const identify = versionIdentifier(options.identify);
  let seen: ServerGreeting | undefined;
  return new Promise((resolve) => {
    const session = new EchoSession(
      {
        address: options.address,
        clock: options.clock,
        connectTimeoutMs: options.connectTimeoutMs,
        replyTimeoutMs: options.replyTimeoutMs,
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
  if (prefix !== '' && /^\S+$/.test(prefix)) {
    // Istio's tcp-echo sample answers `one <line>` from v1 and `two <line>` from v2.
    const canary = prefix === 'one' ? 'two' : '<the canary prefix>';
    return `{mode: prefix, stable: ${prefix}, canary: ${canary}}`;
  }
  return undefined;
}

/** What came back, quoted for a message: the banner's first lines and the echo. */
export function describeGreeting(greeting: ServerGreeting): string {
  const lines = [...greeting.bannerLines.slice(0, 3), greeting.replyLine].filter((l) => l !== '');
  return lines.map((l) => `\`${l.length > 80 ? `${l.slice(0, 77)}...` : l}\``).join(' / ') || 'nothing';
}
