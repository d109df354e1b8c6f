import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writePrivateFile } from '../../src/util/private-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tcpshift-private-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (file: string): number => statSync(file).mode & 0o777;

describe('writePrivateFile (kubeconfig, sandbox.json)', () => {
  it('creates the file with mode 0600', async () => {
    const file = path.join(dir, 'kubeconfig');
    await writePrivateFile(file, 'token: secret\n');
    expect(readFileSync(file, 'utf8')).toBe('token: secret\n');
    expect(modeOf(file)).toBe(0o600);
  });

  it("never keeps an existing file's wider mode", async () => {
    const file = path.join(dir, 'readable');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644);
    await writePrivateFile(file, 'token: secret\n');
    expect(modeOf(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('token: secret\n');
  });

  it('replaces a symlink instead of writing through it', async () => {
    const victim = path.join(dir, 'victim');
    writeFileSync(victim, 'untouched');
    chmodSync(victim, 0o644);
    const link = path.join(dir, 'sandbox.json');
    symlinkSync(victim, link);
    await writePrivateFile(link, '{"token":"secret"}\n');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(modeOf(link)).toBe(0o600);
  });

  it('leaves no temporary file behind, also when the rename fails', async () => {
    const occupied = path.join(dir, 'occupied');
    mkdirSync(occupied);
    writeFileSync(path.join(occupied, 'inside'), 'x');
    await expect(writePrivateFile(occupied, 'token')).rejects.toThrow();
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
