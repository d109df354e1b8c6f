/**
 * A benchmark's server side (the API emulator, an echo server) in its own process: this same
 * suite file forked with a flag, talking over IPC. The child's first message carries
 * `kubeconfig`; `ask(message, key)` sends a message and resolves with the first reply carrying
 * `key`; `stop()` sends 'stop' and waits for the child to exit.
 */
import { fork, type ChildProcess } from 'node:child_process';

export class ForkedServer<ToServer, FromServer extends { kubeconfig?: string }> {
  private constructor(
    private readonly child: ChildProcess,
    readonly kubeconfig: string,
  ) {}

  static start<ToServer, FromServer extends { kubeconfig?: string }>(file: string, flag: string): Promise<ForkedServer<ToServer, FromServer>> {
    const child = fork(file, [flag], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('message', (m: FromServer) => (m.kubeconfig ? resolve(new ForkedServer<ToServer, FromServer>(child, m.kubeconfig)) : reject(new Error('the server process did not start'))));
    });
  }

  ask<K extends keyof FromServer>(message: ToServer, key: K): Promise<NonNullable<FromServer[K]>> {
    return new Promise((resolve) => {
      const onMessage = (m: FromServer): void => {
        const answer = m[key];
        if (answer === undefined || answer === null) return;
        this.child.off('message', onMessage);
        resolve(answer);
      };
      this.child.on('message', onMessage);
      this.child.send(message as object);
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('stop');
    await exited;
  }
}
