import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Write a file that holds a secret (a kubeconfig with a bearer token, sandbox.json): always a
 * fresh file of mode 0600, never through an existing file (whose mode could be 0644) or a symlink
 * (which could point anywhere). The text goes to a new temporary file in the same directory,
 * created with O_EXCL ('wx': fails on any existing name, a symlink included), then renamed over
 * the target, which replaces whatever name was there without following it.
 */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, text, { flag: 'wx', mode: 0o600 });
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
