// Benchmark `echo` (DESIGN section 6): idle connections held by one tcpshift-echo process, RSS per
// connection, side by side with socat as the examples run it (`socat TCP-LISTEN:P,fork,reuseaddr
// EXEC:cat`: one socat plus one cat process per connection).
//
// The connections are opened by a separate client process (this same file run as a script),
// since open files are capped per process. A connection counts once an echo has come back on it,
// so the server has accepted it (for socat: forked and started cat). Memory is read from
// /proc/<pid>/status (VmRSS) and /proc/<pid>/smaps_rollup (Pss: shared pages split between the
// processes sharing them, fairer to the many socat/cat processes than summed RSS).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, startEchoServer } from '../probe-bench-support.js';
import type { BenchOptions, BenchResult, BenchRow, BenchSuite } from '../suite.js';

const thisFile = fileURLToPath(import.meta.url);
const SETTLE_MS = 1500;

interface Held {
  held: number;
  failed: number;
  openMs: number;
}

interface Measured extends Held {
  rssBytesPerConnection: number;
  pssBytesPerConnection: number;
  rssBytesAfter: number;
}

export const suite: BenchSuite = {
  key: 'echo',
  title: 'Echo server: idle connections in one tcpshift-echo process vs socat fork+cat',
  async run(options: BenchOptions): Promise<BenchResult> {
    const { quick } = options;
    const log = (line: string): void => options.log(line);
    const connections = quick ? 2_000 : 10_000;
    const socatConnections = quick ? 200 : 1_000;
    const echo = await measureEcho(connections, log);
    const socat = await measureSocat(socatConnections, log).catch((err: unknown) => {
      log(`socat not measured: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    return {
      block: {
        connections: echo.held,
        rssBytesPerConnection: echo.rssBytesPerConnection,
        socatRssBytesPerConnection: socat?.rssBytesPerConnection ?? null,
        socatConnections: socat?.held ?? null,
        pssBytesPerConnection: echo.pssBytesPerConnection,
        socatPssBytesPerConnection: socat?.pssBytesPerConnection ?? null,
        serverRssBytes: echo.rssBytesAfter,
        openSeconds: round(echo.openMs / 1000, 1),
      },
      rows: rows(connections, echo, socat),
    };
  },
};

function rows(asked: number, echo: Measured, socat: Measured | undefined): BenchRow[] {
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
  const out: BenchRow[] = [
    {
      metric: 'idle connections held by one tcpshift-echo process',
      value: `${echo.held} of ${asked} (${echo.failed} failed, opened in ${(echo.openMs / 1000).toFixed(1)} s)`,
      target: '10,000 in one process (quick: 2,000)',
      pass: echo.held === asked,
    },
    {
      metric: 'tcpshift-echo RSS per connection',
      value: `${kb(echo.rssBytesPerConnection)} (PSS ${kb(echo.pssBytesPerConnection)}; process ${(echo.rssBytesAfter / 2 ** 20).toFixed(0)} MiB)`,
      target: 'few KB, below socat',
      pass: socat ? echo.rssBytesPerConnection < socat.rssBytesPerConnection : undefined,
    },
  ];
  out.push({
    metric: 'socat fork+cat RSS per connection (summed over its processes)',
    value: socat ? `${kb(socat.rssBytesPerConnection)} (PSS ${kb(socat.pssBytesPerConnection)}; ${socat.held} connections)` : 'not measured (socat unavailable)',
    target: 'reference',
  });
  return out;
}

async function measureEcho(connections: number, log: (line: string) => void): Promise<Measured> {
  const server = await startEchoServer('v1');
  try {
    const port = server.info.port;
    const pid = server.child.pid as number;
    // Warm up (JIT, first buffers) so the baseline is not charged to the connections.
    await holdAndRelease(port, 200, 50);
    await sleep(SETTLE_MS);
    const before = memoryOf([pid]);
    log(`tcpshift-echo pid ${pid} on port ${port}: RSS ${mib(before.rss)} before ${connections} connections`);
    return await withHeldConnections(port, connections, 200, () => memoryOf([pid]), before, log);
  } finally {
    await server.stop();
  }
}

async function measureSocat(connections: number, log: (line: string) => void): Promise<Measured> {
  const socatPath = ensureSocat(log);
  const port = await freePort();
  const socat = spawn(socatPath, [`TCP-LISTEN:${port},fork,reuseaddr`, 'EXEC:cat'], { stdio: 'ignore' });
  const pid = socat.pid as number;
  try {
    await waitUntilListening(port);
    await sleep(200);
    const before = memoryOf([pid]);
    log(`socat pid ${pid} on port ${port}: RSS ${mib(before.rss)} before ${connections} connections`);
    // socat listens with a backlog of 5 and forks per connection: open them a few at a time.
    return await withHeldConnections(port, connections, 5, () => memoryOf(processTree(pid)), before, log);
  } finally {
    for (const child of processTree(pid).reverse()) killQuietly(child);
  }
}

/** Open connections from a client process, measure, then let the client close them all. */
async function withHeldConnections(
  port: number,
  connections: number,
  concurrency: number,
  measure: () => Memory,
  before: Memory,
  log: (line: string) => void,
): Promise<Measured> {
  const client = spawnClient(port, connections, concurrency);
  try {
    const held = await clientReport(client);
    await sleep(SETTLE_MS);
    const after = measure();
    log(`${held.held} connections held (${held.failed} failed) in ${(held.openMs / 1000).toFixed(1)} s: RSS ${mib(after.rss)}, PSS ${mib(after.pss)}`);
    const per = (a: number, b: number): number => (held.held > 0 ? Math.round((a - b) / held.held) : 0);
    return { ...held, rssBytesPerConnection: per(after.rss, before.rss), pssBytesPerConnection: per(after.pss, before.pss), rssBytesAfter: after.rss };
  } finally {
    client.kill('SIGKILL');
    await new Promise((resolve) => client.once('exit', resolve));
  }
}

async function holdAndRelease(port: number, connections: number, concurrency: number): Promise<void> {
  const client = spawnClient(port, connections, concurrency);
  await clientReport(client);
  client.kill('SIGKILL');
  await new Promise((resolve) => client.once('exit', resolve));
}

function spawnClient(port: number, connections: number, concurrency: number): ChildProcess {
  return spawn(process.execPath, [thisFile, 'hold', String(port), String(connections), String(concurrency)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function clientReport(client: ChildProcess): Promise<Held> {
  return new Promise((resolve, reject) => {
    client.once('message', (m) => resolve(m as Held));
    client.once('exit', (code) => reject(new Error(`connection client exited with ${code}`)));
  });
}


// ---- the client process: `node echo.js hold PORT COUNT CONCURRENCY` ----

async function holdConnections(port: number, count: number, concurrency: number): Promise<void> {
  const held: net.Socket[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      try {
        held.push(await openWithEcho(port));
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const report: Held = { held: held.length, failed, openMs: Math.round(performance.now() - started) };
  process.send?.(report);
  process.on('disconnect', () => process.exit(0));
}

/** Connect, send a line and wait for it to come back: the server side is then really serving it. */
function openWithEcho(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let received = '';
    const timer = setTimeout(() => fail(new Error('no echo within 30 s')), 30_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('closed')));
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      if (!received.endsWith('hi\n')) return;
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.write('hi\n');
  });
}

// ---- processes and memory ----

interface Memory {
  rss: number;
  pss: number;
}

function memoryOf(pids: number[]): Memory {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += kilobytesField(`/proc/${pid}/status`, 'VmRSS') * 1024;
    pss += kilobytesField(`/proc/${pid}/smaps_rollup`, 'Pss') * 1024;
  }
  return { rss, pss };
}

function kilobytesField(file: string, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // the process has just exited
  }
}

/** pid and all its descendants, parents first. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] as number) ?? []));
  return tree;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** socat's path, installing the Debian package when it is missing (DESIGN section 6). */
function ensureSocat(log: (line: string) => void): string {
  const found = which('socat');
  if (found) return found;
  log('socat not found: apt-get install -y socat');
  for (const attempt of [['install', '-y', 'socat'], ['update'], ['install', '-y', 'socat']]) {
    try {
      execFileSync('apt-get', attempt, { stdio: 'ignore', timeout: 300_000 });
      if (which('socat')) break;
    } catch (err) {
      log(`apt-get ${attempt.join(' ')} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  const installed = which('socat');
  if (!installed) throw new Error('socat is not installed and `apt-get install -y socat` did not install it; install socat (Debian/Ubuntu package socat) and re-run');
  return installed;
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilListening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listening on port ${port} after 5 s`);
}


function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}

if (process.argv[1] === thisFile && process.argv[2] === 'hold') {
  const [port, count, concurrency] = process.argv.slice(3).map(Number);
  await holdConnections(port as number, count as number, concurrency as number);
}
