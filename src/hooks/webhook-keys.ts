/**
 * The signing keys of spec.webhooks[].secret, read once before anything is written: a file (in
 * the process that sends: the CLI, or the controller's pod) or a key of a Secret in the shift's
 * namespace. The key is the bytes as stored, less one trailing newline (`echo key > file`). A key
 * that cannot be read is a WebhookKeyError naming the field and the object: the CLI exits 2,
 * the controller reports it in a condition. The key is never logged, printed or reported.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { NotFoundError, SecretKind, type KubeClient } from '../kube/index.js';
import type { ResolvedShift, ResolvedWebhook } from '../spec/resolved-shift.js';
import { UnreadableSettingError } from './unreadable-setting.js';

export type WebhookKeys = ReadonlyMap<string, Buffer>;

/** At most this many bytes in a key file (an HMAC key longer than the block size is hashed anyway). */
const MAX_KEY_FILE_BYTES = 64 * 1024;

export class WebhookKeyError extends UnreadableSettingError {
  override readonly name = 'WebhookKeyError';
}

export interface KeySources {
  readFile(path: string): Promise<Buffer>;
  /** The Secret, or undefined when it does not exist. */
  readSecret(namespace: string, name: string): Promise<{ data?: Record<string, string> } | undefined>;
}

/** Files from this process's file system, Secrets through the API. */
export function keySources(kube: Pick<KubeClient, 'resource'>): KeySources {
  const secrets = kube.resource(SecretKind);
  return {
    readFile: readKeyFile,
    readSecret: async (namespace, name) => {
      try {
        return await secrets.get(name, namespace);
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    },
  };
}

export async function readWebhookKeys(shift: ResolvedShift, sources: KeySources): Promise<WebhookKeys> {
  const keys = new Map<string, Buffer>();
  for (const [index, hook] of shift.spec.webhooks.entries()) {
    const key = await readKey(shift.namespace, hook, `spec.webhooks[${index}].secret`, sources);
    if (key) keys.set(hook.name, key);
  }
  return keys;
}

async function readKey(namespace: string, hook: ResolvedWebhook, path: string, sources: KeySources): Promise<Buffer | undefined> {
  const secret = hook.secret;
  if (!secret) return undefined;
  if (secret.file !== undefined) {
    const bytes = await sources.readFile(secret.file).catch((error: unknown) => {
      throw new WebhookKeyError(`${path}.file`, `cannot read ${secret.file}: ${error instanceof Error ? error.message : String(error)}`);
    });
    return nonEmpty(withoutTrailingNewline(bytes), `${path}.file`, `${secret.file} is empty`);
  }
  const ref = secret.secretRef;
  if (!ref) return undefined;
  const where = `${path}.secretRef`;
  const found = await sources.readSecret(namespace, ref.name);
  if (!found) throw new WebhookKeyError(where, `Secret ${namespace}/${ref.name} not found`);
  const value = found.data?.[ref.key];
  if (value === undefined) throw new WebhookKeyError(where, `Secret ${namespace}/${ref.name} has no key ${ref.key}`);
  return nonEmpty(withoutTrailingNewline(Buffer.from(value, 'base64')), where, `key ${ref.key} of Secret ${namespace}/${ref.name} is empty`);
}

function withoutTrailingNewline(bytes: Buffer): Buffer {
  if (bytes.at(-1) !== 0x0a) return bytes;
  return bytes.subarray(0, bytes.at(-2) === 0x0d ? -2 : -1);
}

function nonEmpty(key: Buffer, path: string, message: string): Buffer {
  if (key.length === 0) throw new WebhookKeyError(path, message);
  return key;
}

/** A regular file of at most 64 KiB (a FIFO or a device is refused: it could block the read). */
async function readKeyFile(path: string): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it would hold a libuv thread).
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > MAX_KEY_FILE_BYTES) throw new Error(`larger than ${MAX_KEY_FILE_BYTES} bytes`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
