// A real server process from Debian (redis-server, mosquitto, sshd) on a free loopback port, for
// the protocol probes' tests: started, waited for until it accepts connections, stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface RealServer {
  port: number;
  process: ChildProcess;
  /** The last 64 KiB the server wrote to stderr (its log). */
  stderr(): string;
  /** Send a signal (SIGSTOP, SIGCONT, SIGKILL) to the server process. */
  signal(name: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Run `program args` (args may use the port) and wait until it accepts on 127.0.0.1:port. */
export async function startRealServer(program: string, args: (port: number) => string[], timeoutMs = 15_000): Promise<RealServer> {
  const port = await freePort();
  const child = spawn(program, args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-65_536); });
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${program} did not listen on ${port} (exit ${child.exitCode}): ${stderr.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    process: child,
    stderr: () => stderr,
    signal: (name) => child.kill(name),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
