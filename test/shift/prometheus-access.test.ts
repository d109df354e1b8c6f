import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prometheusHeaders, PrometheusHeaderError } from '../../src/shift/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tcpshift-headers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Prometheus headers', () => {
  it('takes values inline, from the environment and from a file (trailing newline dropped)', () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'Bearer from-file\n');
    const headers = prometheusHeaders(
      {
        address: 'http://p:9090',
        headers: [
          { name: 'X-Scope-OrgID', value: 'team-a' },
          { name: 'Authorization', valueFrom: { file } },
          { name: 'X-Token', valueFrom: { env: 'PROM_TOKEN' } },
        ],
      },
      { PROM_TOKEN: 's3cret-env' },
    );
    expect(headers).toEqual({ 'X-Scope-OrgID': 'team-a', Authorization: 'Bearer from-file', 'X-Token': 's3cret-env' });
  });

  it('names the field when a value cannot be read, never a value', () => {
    const read = (header: { name: string; valueFrom: { env?: string; file?: string } }, env: NodeJS.ProcessEnv = {}): PrometheusHeaderError => {
      try {
        prometheusHeaders({ address: 'http://p:9090', headers: [{ name: 'A', value: 'visible-but-ok' }, header] }, env);
      } catch (error) {
        if (error instanceof PrometheusHeaderError) return error;
        throw error;
      }
      throw new Error('expected a PrometheusHeaderError');
    };
    const missingEnv = read({ name: 'Authorization', valueFrom: { env: 'PROM_TOKEN' } });
    expect(missingEnv.message).toBe('spec.analysis.prometheus.headers[1].valueFrom.env: environment variable PROM_TOKEN is not set in this process');
    const missingFile = read({ name: 'Authorization', valueFrom: { file: path.join(dir, 'absent') } });
    expect(missingFile.field).toBe('spec.analysis.prometheus.headers[1].valueFrom.file');
    expect(missingFile.message).toMatch(/cannot read .*absent: ENOENT$/);
    expect(`${missingEnv.message}${missingFile.message}`).not.toContain('visible-but-ok');
  });
});
