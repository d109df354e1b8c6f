// Public API of the prober (src/probe): what src/shift, src/report, src/sandbox and src/cli use.
export { formatAddress, parseAddress, type ProbeAddress } from './address.js';
export { DEFAULT_PROBE_ALLOW, PROBE_ALLOW_HELP, ProbeAllowlist } from './allowlist.js';
export {
  canaryVersionOf,
  checkIdentify,
  DEFAULT_CANARY_VERSION,
  formatIdentify,
  IDENTIFY_HELP,
  parseIdentify,
  versionIdentifier,
  type IdentifyConfig,
  type ServerGreeting,
} from './identify.js';
export {
  END_KINDS,
  NEW_CONNECTION_FAILURE_KINDS,
  type EndKind,
  type LongLivedBlock,
  type LongLivedConnectionRecord,
  type NewConnectionFailureKind,
  type NewConnectionsBlock,
  type SplitVerdict,
} from './report-blocks.js';
export {
  LongLivedPool,
  type EndedConnection,
  type LongLivedPoolOptions,
  type OpenConnection,
  type PoolMark,
} from './long-lived/pool.js';
export { classifyEnd, type WeightChange } from './long-lived/drain-windows.js';
export {
  NewConnectionSampler,
  type NewConnectionSamplerOptions,
  type SplitTarget,
} from './new-connections/sampler.js';
export type { NewConnectionSample } from './new-connections/tally.js';
export { mergeLongLived, mergeNewConnections, type PortBlock } from './merge-blocks.js';
export { normalQuantile, twoSidedZ } from './stats/normal.js';
export { percentile, summarize, type Summary } from './stats/quantiles.js';
export {
  fixedSampleSize,
  SequentialSplitTest,
  type SplitDecision,
  type SplitTestOptions,
  type SplitTestState,
} from './stats/sprt.js';
export { seededRandom, simulateSplitTest, type SimulationResult } from './stats/simulate.js';
export { wilsonInterval } from './stats/wilson.js';
export { describeGreeting, readGreeting, suggestIdentify, type GreetingOptions, type GreetingResult } from './greeting-check.js';
export { breakageEnds, describeEnd, describeEnds, describeLongLived, describeNewConnections } from './describe.js';
