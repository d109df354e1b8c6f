import type { ChildProcess } from 'node:child_process';

/**
 * A pod's container as the sandbox's kubelet runs it: a real child process on loopback
 * (tcpshift-echo, redis-server, mosquitto). What the kubelet needs of it: the loopback port of
 * each container port, how to probe its readiness, its exit, its last output, signals.
 */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * How the kubelet decides readiness: `httpGet` /readyz on a health port (tcpshift-echo), or a
 * `tcpSocket` connect to the serving port (a real server without a health endpoint, as a
 * Deployment would declare `readinessProbe.tcpSocket` for Redis).
 */
export interface ReadinessCheck {
  kind: 'httpGet' | 'tcpSocket';
  port: number;
}

export interface ContainerProcess {
  readonly pid: number;
  /** The loopback port of each port the process was asked to listen on (TCP ports, then the health port). */
  readonly ports: Readonly<Record<number, number>>;
  /** The first TCP port, bound. */
  readonly port: number;
  readonly readiness: ReadinessCheck | undefined;
  /** Resolves when the process has exited (and its pipes are closed). */
  readonly exited: Promise<ProcessExit>;
  readonly hasExited: boolean;
  /** The last lines the process wrote that are not log records (errors, usage). */
  output(): string;
  /** Send a signal if it is still running. */
  signal(signal: NodeJS.Signals): void;
}

/** The process ended (or never listened): its exit and its last output, for the Pod status. */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
  constructor(
    message: string,
    readonly exit: ProcessExit,
    readonly output: string,
  ) {
    super(message);
  }
}

/** The last few KiB of what a process writes outside its JSON log records. */
export class OutputTail {
  private text = '';
  add(line: string): void {
    this.text = `${this.text}${line}\n`.slice(-4096);
  }
  toString(): string {
    return this.text;
  }
}

export interface ListeningPorts {
  ports: Readonly<Record<number, number>>;
  port: number;
  readiness: ReadinessCheck | undefined;
}

/** A running child process as the kubelet's container. */
export class ChildContainer implements ContainerProcess {
  hasExited = false;
  readonly exited: Promise<ProcessExit>;
  readonly ports: Readonly<Record<number, number>>;
  readonly port: number;
  readonly readiness: ReadinessCheck | undefined;

  constructor(
    private readonly child: ChildProcess,
    listening: ListeningPorts,
    exited: Promise<ProcessExit>,
    private readonly tail: OutputTail,
  ) {
    this.ports = listening.ports;
    this.port = listening.port;
    this.readiness = listening.readiness;
    this.exited = exited.then((exit) => {
      this.hasExited = true;
      return exit;
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  output(): string {
    return this.tail.toString();
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.hasExited && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Resolves with the child's exit once it has exited and its pipes are closed. */
export function exitOf(child: ChildProcess): Promise<ProcessExit> {
  return new Promise<ProcessExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}
