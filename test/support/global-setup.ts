// Tests that spawn the real binaries run dist/cmd/*.js. `npm test` builds first; when vitest is
// run directly, rebuild here if any source is newer than the build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const built = path.join(root, 'dist', 'cmd', 'tcpshift.js');
  const stale =
    !existsSync(built) ||
    Math.max(newestMtime(path.join(root, 'src')), newestMtime(path.join(root, 'cmd'))) > statSync(built).mtimeMs;
  if (stale) execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root], { stdio: 'inherit' });
}
