import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../../util/logger.js';
import { ChildContainer, ContainerStartError, exitOf, OutputTail, type ContainerProcess, type ProcessExit } from './container-process.js';
import { programPath, type RealServer } from './real-servers.js';

/**
 * A real server (redis-server, mosquitto) as a pod's container: bound to a free loopback port
 * for its container port, its state in a directory of its own (removed when it exits), started
 * when a TCP connect to that port succeeds. With util-linux's `setpriv --pdeathsig KILL` it dies
 * with the sandbox process even when that is SIGKILLed (tcpshift-echo has --parent-pid for this).
 */
export interface ServerProcessOptions {
  pod: string;
  server: RealServer;
  /** The program's path (programPath(server.program)). */
  program: string;
  /** The container's arguments, references expanded. */
  args: readonly string[];
  /** The container's declared ports (containerPort). */
  declaredPorts: readonly number[];
  env: Readonly<Record<string, string>>;
  logger: Logger;
  /** How long to wait until the port accepts. Default 15 s. */
  startTimeoutMs?: number;
}

export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const PDEATHSIG = programPath('setpriv');

function commandLine(program: string, args: readonly string[]): [string, string[]] {
  return PDEATHSIG ? [PDEATHSIG, ['--pdeathsig', 'KILL', '--', program, ...args]] : [program, [...args]];
}

/** Until the port accepts (resolves true) or the process has exited or the deadline passed (false). */
async function waitAccepting(port: number, exited: () => boolean, deadline: number): Promise<boolean> {
  for (;;) {
    if (exited() || Date.now() > deadline) return false;
    if (await accepts(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function spawnServerProcess(options: ServerProcessOptions): Promise<ContainerProcess> {
  const containerPort = options.server.containerPort(options.args, options.declaredPorts);
  const port = await freeLoopbackPort();
  const dir = await mkdtemp(path.join(os.tmpdir(), `tcpshift-pod-${options.pod}-`));
  const command = options.server.command(options.args, port, dir);
  await Promise.all(Object.entries(command.files).map(([name, text]) => writeFile(path.join(dir, name), text)));
  const [file, args] = commandLine(options.program, command.args);
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOSTNAME: options.pod, ...options.env }, cwd: dir });
  let exit: ProcessExit | undefined;
  const exited = exitOf(child).then(async (e) => {
    exit = e;
    await rm(dir, { recursive: true, force: true });
    return e;
  });
  const tail = new OutputTail();
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (line) => tail.add(line));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  const ready = await Promise.race([waitAccepting(port, () => exit !== undefined, Date.now() + timeoutMs), spawnError]);
  if (ready === true) {
    options.logger.child({ pod: options.pod }).info('server listening', { program: options.server.program, containerPort, port });
    return new ChildContainer(child, { ports: { [containerPort]: port }, port, readiness: { kind: 'tcpSocket', port } }, exited, tail);
  }
  if (ready instanceof Error) throw new ContainerStartError(`cannot start ${options.server.program} for pod ${options.pod}: ${ready.message}`, { code: 127, signal: null }, ready.message);
  const timedOut = exit === undefined;
  if (timedOut) child.kill('SIGKILL');
  const final = await exited;
  const what = timedOut ? `did not accept connections on its port within ${timeoutMs} ms` : `exited (${final.code ?? final.signal ?? ''}) before listening`;
  throw new ContainerStartError(`${options.server.program} for pod ${options.pod} ${what}: ${tail.toString().trim()}`, final, tail.toString());
}
