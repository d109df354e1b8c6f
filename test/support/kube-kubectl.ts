// Runs the real kubectl binary against the emulator (its own discovery cache directory per
// server, so runs never share state). `kubectlBinary` is undefined when kubectl is not installed;
// tests then skip with a printed reason.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

function findKubectl(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' });
  const p = found.stdout.trim();
  return found.status === 0 && p ? p : undefined;
}

export const kubectlBinary = findKubectl();

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlTarget {
  kubeconfigPath: string;
  dir: string;
}

function baseArgs(target: KubectlTarget): string[] {
  return ['--kubeconfig', target.kubeconfigPath, '--cache-dir', path.join(target.dir, 'kubectl-cache')];
}

export function spawnKubectl(target: KubectlTarget, args: string[]): ChildProcess {
  if (!kubectlBinary) throw new Error('kubectl is not installed');
  return spawn(kubectlBinary, [...baseArgs(target), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
}

export function kubectl(target: KubectlTarget, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlRun> {
  return new Promise((resolve, reject) => {
    const child = spawnKubectl(target, args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

const reasonCodes: Record<string, number> = {
  NotFound: 404,
  Conflict: 409,
  AlreadyExists: 409,
  Invalid: 422,
  BadRequest: 400,
  Expired: 410,
  Gone: 410,
  Forbidden: 403,
  Unauthorized: 401,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  InternalError: 500,
};

/** The HTTP status behind a failed kubectl run, read from its `Error from server (Reason)` line. */
export function statusOfKubectlError(stderr: string): number | undefined {
  const m = /Error from server \((\w+)\)/.exec(stderr);
  if (m) return reasonCodes[m[1] as string];
  if (/The request is invalid|is invalid:/.test(stderr)) return 422;
  if (/not found/i.test(stderr)) return 404;
  return undefined;
}
