// A real HTTP server on loopback that receives webhook deliveries: it records each request
// (path, headers, exact body) and answers as the path's script says, one answer per attempt.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A status code to answer, or 'hang' (never answer). The last entry repeats. */
export type Answer = number | 'hang';

export interface HookReceiver {
  url(path: string): string;
  /** Answers for a path, in order (default: 200). */
  script(path: string, answers: Answer[]): void;
  received(path: string): ReceivedRequest[];
  /** Resolves once `path` has received `count` requests (polls; real time). */
  waitFor(path: string, count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startHookReceiver(): Promise<HookReceiver> {
  const scripts = new Map<string, Answer[]>();
  const log: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const seen = log.filter((r) => r.path === path).length;
      log.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answers = scripts.get(path) ?? [200];
      const answer = answers[Math.min(seen, answers.length - 1)] ?? 200;
      if (answer === 'hang') return;
      res.writeHead(answer, { 'Content-Type': 'text/plain' }).end(`answer ${answer}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const received = (path: string): ReceivedRequest[] => log.filter((r) => r.path === path);
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    script: (path, answers) => void scripts.set(path, answers),
    received,
    async waitFor(path, count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received(path).length < count) {
        if (Date.now() > deadline) throw new Error(`${path}: ${received(path).length} of ${count} requests after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received(path);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
