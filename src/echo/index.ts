// The echo backend's public surface: the CLI, the sandbox, tests and benchmarks import from here.
export { startEchoServer, type ConnectionCounts, type EchoServer } from './server.js';
export { ECHO_DEFAULTS, type EchoServerOptions } from './options.js';
export { EndReason } from './end-reason.js';
export { formatBanner, formatDateLine, formatAddress, type BannerFields } from './banner.js';
export { resolveEchoSettings, EchoSettingError, type EchoFlags, type EchoSettings, type LogFormat } from './settings.js';
export { textLogger } from './text-logger.js';
