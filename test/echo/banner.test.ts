import { describe, expect, it } from 'vitest';
import { formatAddress, formatBanner, formatDateLine } from '../../src/echo/index.js';

describe('banner', () => {
  it('is the date line, Server, Client, Version and a blank line, as DESIGN shows', () => {
    const text = formatBanner({
      at: Date.UTC(2026, 10, 21, 10, 54, 0),
      server: { address: '10.0.0.5', port: 9000 },
      client: { address: '10.0.0.9', port: 53412 },
      version: 'v2',
      pod: 'echo-v2-7d9f',
    });
    expect(text).toBe('Sat Nov 21 10:54:00 UTC 2026\nServer: 10.0.0.5:9000\nClient: 10.0.0.9:53412\nVersion: v2 (echo-v2-7d9f)\n\n');
  });

  it('writes the date as date(1) does in UTC: space-padded day, zero-padded time', () => {
    expect(formatDateLine(Date.UTC(2026, 10, 1, 9, 5, 3))).toBe('Sun Nov  1 09:05:03 UTC 2026');
    expect(formatDateLine(Date.UTC(2027, 0, 31, 23, 59, 59, 999))).toBe('Sun Jan 31 23:59:59 UTC 2027');
  });

  it('shows IPv4 clients of a dual-stack listener as IPv4 and brackets IPv6', () => {
    expect(formatAddress({ address: '::ffff:127.0.0.1', port: 9000 })).toBe('127.0.0.1:9000');
    expect(formatAddress({ address: '::1', port: 9000 })).toBe('[::1]:9000');
    expect(formatAddress({ address: '10.1.2.3', port: 1 })).toBe('10.1.2.3:1');
  });
});
