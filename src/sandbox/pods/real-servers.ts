import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * Real servers from Debian's packages that the sandbox's kubelet runs for their official images,
 * so a user's Redis or Mosquitto Deployment runs in the sandbox unmodified (as far as the
 * command line goes): the container's port becomes a free loopback port, state goes to a
 * per-pod directory. Each entry knows its program, the Debian package that ships it, the
 * image's default port and how to turn the container's arguments into a command line.
 */
export type RealServerImage = 'redis' | 'mosquitto';

export interface ServerCommand {
  args: string[];
  /** Files to write into the pod's directory first (name -> content). */
  files: Record<string, string>;
}

export interface RealServer {
  program: string;
  debianPackage: string;
  /** The container port it serves: from the container's arguments, else its first declared port, else the image's default. */
  containerPort(args: readonly string[], declaredPorts: readonly number[]): number;
  /** The command line listening on 127.0.0.1:`port` with its state in `dir`. */
  command(args: readonly string[], port: number, dir: string): ServerCommand;
}

/** `redis-server [configfile] [--option value ...]` as the redis image's entrypoint runs it (a leading `redis-server` is the image's CMD form). */
function redisOptions(args: readonly string[]): string[] {
  return args[0] === 'redis-server' ? args.slice(1) : [...args];
}

/** Drop `--port N` (the kubelet chooses the loopback port). */
function withoutPort(args: readonly string[]): string[] {
  const i = args.indexOf('--port');
  return i < 0 ? [...args] : [...args.slice(0, i), ...args.slice(i + 2)];
}

const REDIS: RealServer = {
  program: 'redis-server',
  debianPackage: 'redis-server',
  containerPort(args, declared) {
    const options = redisOptions(args);
    const i = options.indexOf('--port');
    const fromArgs = i >= 0 ? Number(options[i + 1]) : NaN;
    return Number.isInteger(fromArgs) && fromArgs > 0 ? fromArgs : (declared[0] ?? 6379);
  },
  // Later options win in redis-server, so the kubelet's come last: a loopback port, no
  // persistence (a pod's data is gone with it, as with an emptyDir), the pod's directory.
  command: (args, port, dir) => ({
    args: [...withoutPort(redisOptions(args)), '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    files: {},
  }),
};

const MOSQUITTO: RealServer = {
  program: 'mosquitto',
  debianPackage: 'mosquitto',
  containerPort: (_args, declared) => declared[0] ?? 1883,
  // The image's own arguments name /mosquitto/config/mosquitto.conf, which does not exist here:
  // the kubelet generates the configuration instead (one listener, anonymous clients, no persistence).
  command: (_args, port, dir) => ({
    args: ['-c', path.join(dir, 'mosquitto.conf')],
    files: { 'mosquitto.conf': `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n` },
  }),
};

export const REAL_SERVERS: Readonly<Record<RealServerImage, RealServer>> = { redis: REDIS, mosquitto: MOSQUITTO };

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The program's absolute path on PATH (or /usr/sbin, where Debian puts mosquitto and sshd), or undefined. */
export function programPath(program: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin'].filter((d) => d !== '');
  return dirs.map((dir) => path.join(dir, program)).find(executable);
}

/** What the Pod status says when the program is missing (the kubelet's ImagePullBackOff stands for "this image cannot be had here"). */
export function missingProgramMessage(image: string, server: RealServer): string {
  return `image "${image}" runs as ${server.program} in the tcpshift sandbox, which is not installed on this machine: install Debian's ${server.debianPackage} package (apt-get install -y ${server.debianPackage})`;
}
