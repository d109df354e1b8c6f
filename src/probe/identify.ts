import { formatIssue, issuesFromZod } from '../spec/issues.js';
import { CERTIFICATE_FIELDS, identifySchema, type Identify } from '../spec/identify.js';
import { compileVersionPattern, matchVersion } from '../spec/version-pattern.js';
import { certificateIdentifier } from './protocol/certificate-identity.js';
import { acceptedVersion } from './peer-text.js';

/**
 * Which version answered a probe connection. Three ways, matching the servers tcpshift meets:
 * - banner: the server greets first with lines that include `Version: <v> ...` (tcpshift-echo,
 *   socat servers of the Istio examples); the version is the first word after `Version:`.
 * - prefix: the server answers a line with `<prefix> <line>` (Istio's tcp-echo sample with
 *   prefixes `one`/`two`); the version is the prefix itself and must be STABLE or CANARY.
 * - regex: a pattern with a named group `version`, matched (multiline, RE2: linear time) against
 *   the first 4096 characters the server sent up to and including its answer to the first line:
 *   the banner, then the echo.
 * The config is the spec's `probe.identify` (src/spec/identify.ts validates it).
 */
export type IdentifyConfig = Identify;

export const IDENTIFY_HELP = 'banner, prefix:STABLE,CANARY, regex:RE (RE with a named group (?<version>...)) or certificate:subject.CN|SAN[:RE] (with TLS)';

/** Canary version in banner and regex modes when the caller names none. */
export const DEFAULT_CANARY_VERSION = 'v2';

/** What a server sent before and with its answer to the first line. */
export interface ServerGreeting {
  /** Lines before the echo (no line terminators). */
  bannerLines: readonly string[];
  /** The echo line itself. */
  replyLine: string;
  /** What came before ` <line>` in the echo; '' for a verbatim echo. A script's captured version. */
  replyPrefix: string;
  /** A script protocol's name (redis, mqtt, script, ...): bannerLines are what its opening received. */
  script?: string;
  /** A script protocol: what the opening's `version` group captured. */
  captured?: string;
  /** With TLS: the names in the server certificate. */
  certificate?: CertificateNames;
}

/** The names a server certificate carries (Node's getPeerCertificate()). */
export interface CertificateNames {
  subjectCN: string | undefined;
  /** subjectAltName values without their type (`DNS:v2.example` -> `v2.example`). */
  san: string[];
}

/** Parse the CLI form `banner | prefix:STABLE,CANARY | regex:RE`; throws with what is allowed. */
export function parseIdentify(text: string): IdentifyConfig {
  let config: IdentifyConfig;
  if (text === 'banner') config = { mode: 'banner' };
  else if (text.startsWith('prefix:')) {
    const words = text.slice('prefix:'.length).split(',');
    if (words.length !== 2) throw new Error(`'${text}' is not prefix:STABLE,CANARY (two words, one comma)`);
    config = { mode: 'prefix', stable: words[0] as string, canary: words[1] as string };
  } else if (text.startsWith('regex:')) config = { mode: 'regex', pattern: text.slice('regex:'.length) };
  else if (text.startsWith('certificate:')) config = parseCertificateIdentify(text.slice('certificate:'.length));
  else throw new Error(`'${text}' is not ${IDENTIFY_HELP}`);
  checkIdentify(config);
  return config;
}

function parseCertificateIdentify(rest: string): IdentifyConfig {
  const field = CERTIFICATE_FIELDS.find((f) => rest === f || rest.startsWith(`${f}:`));
  if (!field) throw new Error(`'certificate:${rest}' is not certificate:subject.CN or certificate:SAN, optionally followed by :RE`);
  const pattern = rest.slice(field.length + 1);
  return pattern === '' ? { mode: 'certificate', field } : { mode: 'certificate', field, pattern };
}

/** Throws when a config cannot identify anything (the spec's rules: words, a `version` group). */
export function checkIdentify(config: IdentifyConfig): void {
  const result = identifySchema.safeParse(config);
  if (!result.success) throw new Error(issuesFromZod(result.error.issues, ['identify']).map(formatIssue).join('; '));
}

export function formatIdentify(config: IdentifyConfig): string {
  if (config.mode === 'prefix') return `prefix:${config.stable},${config.canary}`;
  if (config.mode === 'regex') return `regex:${config.pattern}`;
  if (config.mode === 'certificate') return `certificate:${config.field}${config.pattern === undefined ? '' : `:${config.pattern}`}`;
  return 'banner';
}

/** The version counted as canary: the CANARY prefix in prefix mode, else `explicit` or v2. */
export function canaryVersionOf(config: IdentifyConfig, explicit?: string): string {
  if (explicit !== undefined) return explicit;
  return config.mode === 'prefix' ? config.canary : DEFAULT_CANARY_VERSION;
}

const VERSION_LINE = /^Version:\s*(\S+)/;

/**
 * Build the function that names the version from a greeting; undefined when it cannot, or when
 * what the server named does not look like a version (`isVersionName`): the name becomes a
 * status key and a report label, so a peer's arbitrary bytes must not (they count as unidentified).
 */
export function versionIdentifier(config: IdentifyConfig): (greeting: ServerGreeting) => string | undefined {
  const identify = rawIdentifier(config);
  return (greeting) => acceptedVersion(identify(greeting));
}

function rawIdentifier(config: IdentifyConfig): (greeting: ServerGreeting) => string | undefined {
  switch (config.mode) {
    case 'banner':
      return ({ bannerLines, captured }) => {
        if (captured !== undefined) return captured;
        for (const line of bannerLines) {
          const m = VERSION_LINE.exec(line);
          if (m) return m[1];
        }
        return undefined;
      };
    case 'prefix': {
      const known = new Set([config.stable, config.canary]);
      return ({ replyPrefix }) => (known.has(replyPrefix) ? replyPrefix : undefined);
    }
    case 'regex': {
      const compiled = compileVersionPattern(config.pattern);
      if (!compiled.ok) throw new Error(`identify.pattern ${compiled.problem}`);
      return ({ bannerLines, replyLine }) => matchVersion(compiled.pattern, [...bannerLines, replyLine].join('\n'));
    }
    case 'certificate':
      return certificateIdentifier(config.field, config.pattern);
  }
}
