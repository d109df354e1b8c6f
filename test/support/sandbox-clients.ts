// Clients of the sandbox gateway: who answers a new connection (from the echo banner), tallies
// over many connections, and long-lived connections proven by echo round trips.
import { TestClient } from '../echo/support.js';

export { TestClient };

export interface Answer {
  version: string;
  pod: string;
}

/** The version and pod named by the banner, or undefined when the connection closed before one. */
export async function whoAnswers(port: number, host = '127.0.0.1'): Promise<Answer | undefined> {
  const client = await TestClient.connect(port, host);
  try {
    const text = await client.waitForText((t) => t.includes('\n\n'), 5000);
    const m = /Version: (\S+) \((\S+)\)/.exec(text);
    return m ? { version: m[1] as string, pod: m[2] as string } : undefined;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

export interface Tally {
  byVersion: Record<string, number>;
  byPod: Record<string, number>;
  /** Connections closed by the gateway before any byte. */
  closed: number;
}

/** `n` new connections, `concurrency` at a time, counted by who answered. */
export async function tally(port: number, n: number, concurrency = 16): Promise<Tally> {
  const result: Tally = { byVersion: {}, byPod: {}, closed: 0 };
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < n) {
      started++;
      const answer = await whoAnswers(port);
      if (!answer) result.closed++;
      else {
        result.byVersion[answer.version] = (result.byVersion[answer.version] ?? 0) + 1;
        result.byPod[answer.pod] = (result.byPod[answer.pod] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}

/** Send a line and wait for its echo (verbatim or prefixed). */
export async function roundTrip(client: TestClient, line: string, timeoutMs = 5000): Promise<void> {
  client.write(`${line}\n`);
  await client.waitForText((t) => t.includes(`${line}\n`), timeoutMs);
}

/** A connection through the gateway, past the banner, proven by one echo. */
export async function openEcho(port: number): Promise<TestClient & { answer: Answer }> {
  const client = await TestClient.connect(port);
  const banner = await client.waitForText((t) => t.includes('\n\n'));
  const m = /Version: (\S+) \((\S+)\)/.exec(banner);
  await roundTrip(client, 'hello');
  return Object.assign(client, { answer: { version: m?.[1] ?? '', pod: m?.[2] ?? '' } });
}

/** True when the client's connection has ended (FIN, reset or close). */
export async function hasEnded(client: TestClient, withinMs = 0): Promise<boolean> {
  const ended = await Promise.race([client.ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), withinMs))]);
  return ended;
}
