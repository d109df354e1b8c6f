import { constants, createReadStream, openSync, statSync, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import { stat } from 'node:fs/promises';
import type { Clock } from '../util/clock.js';
import { UsageError } from './errors.js';

/**
 * The one way the CLI reads an input file (`-f FILE`, `-f -` for stdin): at most
 * MAX_INPUT_BYTES, and only input that ends. 256 KiB is the API server's limit on all of an
 * object's annotations together (apimachinery ValidateAnnotationsSize, TotalAnnotationSizeLimitB),
 * and the CLI keeps the spec it runs in an annotation of the route, so a larger TCPShift could not
 * be run anyway; the YAML parser also needs seconds per 256 KiB of a flow list on a busy machine.
 * A regular file larger than that is refused before reading; a pipe (a FIFO, stdin) is read up to
 * the cap and refused when it has not ended within INPUT_DEADLINE_MS; devices (`/dev/zero`) and
 * directories are refused.
 */
export const MAX_INPUT_BYTES = 256 * 1024;
export const INPUT_DEADLINE_MS = 10_000;

export interface InputIo {
  clock: Clock;
  /** Where `-` reads from (process.stdin in the process). */
  stdin?: NodeJS.ReadableStream;
}

/** The text of FILE (`-`: stdin) for `flag`; a UsageError (exit 2) naming it when it cannot be read within the limits. */
export async function readInputText(flag: string, file: string, io: InputIo): Promise<string> {
  const name = `${flag} ${file}`;
  const stream = file === '-' ? (io.stdin ?? process.stdin) : await openFile(name, file);
  const bytes = await readBounded(name, stream, io.clock);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${name}: is not UTF-8 text`);
  }
}

async function openFile(name: string, file: string): Promise<NodeJS.ReadableStream> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${name}: cannot read the file (${err.code ?? err.message})`);
  });
  if (info.isFile()) {
    if (info.size > MAX_INPUT_BYTES) throw tooLarge(name);
    return createReadStream(file);
  }
  if (info.isFIFO()) return openPipe(name, file);
  throw new UsageError(`${name}: is not a regular file or a pipe (a directory or device; -f - reads stdin)`);
}

/**
 * A named pipe, opened without blocking and read like a socket (epoll): a blocking open or read
 * would hold a libuv threadpool thread that the process then waits for at exit, so a FIFO
 * without a writer would hang the CLI even after the deadline.
 */
function openPipe(name: string, file: string): NodeJS.ReadableStream {
  try {
    return new Socket({ fd: openSync(file, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
  } catch (err) {
    throw new UsageError(`${name}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Kubeconfigs embed certificates for many clusters, but not megabytes of them. */
export const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;

/**
 * For a file another library reads synchronously (client-node reads --kubeconfig): refuse, before
 * it does, a device or directory (`--kubeconfig /dev/zero` grew without end) and a regular file
 * over `maxBytes`. A missing file is left to the reader's own message; a pipe is allowed
 * (`--kubeconfig <(...)`) and read as it is, without a bound.
 */
export function checkFileBeforeReading(flag: string, file: string, maxBytes: number): void {
  let info: Stats;
  try {
    info = statSync(file);
  } catch {
    return;
  }
  if (info.isFile() && info.size > maxBytes) throw new UsageError(`${flag} ${file}: larger than ${maxBytes / 1024 / 1024} MiB`);
  if (!info.isFile() && !info.isFIFO()) throw new UsageError(`${flag} ${file}: is not a regular file or a pipe (a directory or device)`);
}

function tooLarge(name: string): UsageError {
  return new UsageError(`${name}: larger than ${MAX_INPUT_BYTES / 1024} KiB, the most a TCPShift may be`);
}

function readBounded(name: string, stream: NodeJS.ReadableStream, clock: Clock): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: UsageError | undefined): void => {
      deadline.cancel();
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      if (error === undefined) {
        resolve(Buffer.concat(chunks));
        return;
      }
      stream.pause();
      if ('destroy' in stream && typeof stream.destroy === 'function') (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
      reject(error);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > MAX_INPUT_BYTES) finish(tooLarge(name));
      else chunks.push(buffer);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (err: NodeJS.ErrnoException): void => finish(new UsageError(`${name}: cannot read the file (${err.code ?? err.message})`));
    const deadline = clock.setTimer(
      () => finish(new UsageError(`${name}: did not end within ${INPUT_DEADLINE_MS / 1000} s (a FIFO or device that never ends?)`)),
      INPUT_DEADLINE_MS,
    );
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}
