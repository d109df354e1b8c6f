import type { Server } from 'node:net';

/**
 * Start listening on port (0: any free port) and host (undefined: every interface, dual stack);
 * rejects on EADDRINUSE and the like instead of emitting an unhandled 'error'.
 */
export function listen(server: Server, port: number, host: string | undefined, backlog?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ port, host, backlog }, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}
