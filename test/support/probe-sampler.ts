// A NewConnectionSampler with test defaults: loopback, real clock, no pacing, generous timeouts.
import { NewConnectionSampler, type IdentifyConfig, type NewConnectionSamplerOptions } from '../../src/probe/index.js';
import { systemClock } from '../../src/util/clock.js';

export function testSampler(port: number, identify: IdentifyConfig, overrides: Partial<NewConnectionSamplerOptions> = {}): NewConnectionSampler {
  return new NewConnectionSampler({
    address: { host: '127.0.0.1', port },
    identify,
    clock: systemClock,
    ratePerSecond: 0,
    concurrency: 4,
    connectTimeoutMs: 2000,
    replyTimeoutMs: 2000,
    maxAttempts: 6,
    ...overrides,
  });
}
