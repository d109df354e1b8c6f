// What a probed server sends is untrusted: only version-shaped names are kept (as status keys and
// report labels), at most a few per block, and failure details describe a peer's line by its size.
import { describe, expect, it } from 'vitest';
import { versionIdentifier } from '../../src/probe/index.js';
import { SampleTally, MAX_VERSIONS_PER_BLOCK, OTHER_VERSIONS } from '../../src/probe/new-connections/tally.js';
import { describePeerLine, isVersionName, peerExcerpt, PEER_EXCERPT_BYTES } from '../../src/probe/peer-text.js';

const greeting = (bannerLines: string[], replyLine = 'PING 1 0') => ({ bannerLines, replyLine, replyPrefix: '' });

describe('version names from a server', () => {
  it('keeps names shaped like versions and nothing else', () => {
    for (const name of ['v1', 'v2', '2.3.1', 'canary_b', 'echo-v2-7d9f', 'a'.repeat(63)]) expect(isVersionName(name), name).toBe(true);
    for (const name of ['', '{"admin_token":"x"}', 'v1;rm', '-v1', 'v1.', 'a b', 'é', 'a'.repeat(64), 'v1\u001b[31m']) expect(isVersionName(name), name).toBe(false);
  });

  it('a banner or a regex naming something else is unidentified', () => {
    expect(versionIdentifier({ mode: 'banner' })(greeting(['Version: v2 (pod)']))).toBe('v2');
    expect(versionIdentifier({ mode: 'banner' })(greeting(['Version: {"admin_token":"s3cr3t"}']))).toBeUndefined();
    const regex = versionIdentifier({ mode: 'regex', pattern: '^(?<version>.*)$' });
    expect(regex(greeting(['token: s3cr3t value'], 'PING 1 0'))).toBeUndefined();
    expect(versionIdentifier({ mode: 'regex', pattern: '^release=(?<version>\\S+)' })(greeting(['release=v3']))).toBe('v3');
  });

  it('a block keeps at most a few names; the canary always keeps its own', () => {
    const tally = new SampleTally('v2', 0.99);
    const sample = (version: string) => ({ ok: true as const, n: 0, startedAt: 0, version, connectMs: 1, ttfbMs: 1 });
    for (let i = 0; i < 50; i++) tally.add(sample(`name${i}`));
    tally.add(sample('v2'));
    const block = tally.block();
    expect(Object.keys(block.byVersion)).toHaveLength(MAX_VERSIONS_PER_BLOCK);
    expect(block.byVersion.v2).toBe(1);
    expect(block.byVersion[OTHER_VERSIONS]).toBe(50 - (MAX_VERSIONS_PER_BLOCK - 2));
    expect(block.observedCanaryShare).toBeCloseTo(1 / 51);
  });
});

describe('peer lines in messages', () => {
  it('a detail gives the size, never the content', () => {
    expect(describePeerLine('{"admin_token":"s3cr3t"}')).toBe('a line of 24 bytes');
  });

  it('an excerpt is short, escaped and marked', () => {
    const text = peerExcerpt(`{"admin_token":"${'x'.repeat(100)}"}\u001b[2J`);
    expect(text.startsWith(`peer bytes (first ${PEER_EXCERPT_BYTES} of 122, escaped): "`)).toBe(true);
    expect(text).not.toContain('\u001b');
    expect(text.length).toBeLessThan(80);
    expect(peerExcerpt('a\nb')).toBe('peer bytes (3, escaped): "a\\nb"');
  });
});
