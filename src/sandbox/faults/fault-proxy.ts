import net from 'node:net';
import { systemClock, type Clock } from '../../util/clock.js';
import { faultSetting, type FaultMode, type FaultOptions, type FaultSetting } from './modes.js';
import { ProxiedConnection, type ProxiedConnectionInfo, type ProxyTarget } from './proxied-connection.js';

export interface FaultProxyOptions {
  /** Where connections are forwarded. */
  target: ProxyTarget;
  /** Listen address (default 127.0.0.1) and port (default 0: any free port). */
  listenHost?: string;
  listenPort?: number;
  /** Start in this mode (default pass). */
  mode?: FaultMode;
  /** Timers for delay mode (default the system clock). */
  clock?: Clock;
}

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /**
   * Switch mode: for one connection (options.connection) or for all current connections and
   * every new one. Throws when the mode or its options are invalid.
   */
  setMode(mode: FaultMode, options?: FaultOptions): void;
  /** The mode new connections get. */
  readonly mode: FaultMode;
  /** Open connections, oldest first. */
  connections(): ProxiedConnectionInfo[];
  /** Stop listening and destroy every connection. */
  close(): Promise<void>;
}

/**
 * A TCP proxy for fault injection, switchable at run time per connection or for all (see
 * modes.ts). "refuse" keeps listening and resets each new connection at accept rather than
 * closing the listener: the port stays the proxy's (no other socket can take it meanwhile,
 * switching back is instant), and it is what a client sees from a gateway that accepts and
 * then finds no upstream. The prober counts a connection reset or closed before the server
 * sent anything as refused, the same as ECONNREFUSED.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const clock = options.clock ?? systemClock;
  const live = new Map<number, ProxiedConnection>();
  let current: FaultSetting = faultSetting(options.mode ?? 'pass');
  let nextId = 1;
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    client.setNoDelay(true);
    const connection = new ProxiedConnection(nextId++, client, options.target, current, clock);
    if (connection.isClosed) return;
    live.set(connection.id, connection);
    void connection.whenClosed().then(() => live.delete(connection.id));
  });
  const host = options.listenHost ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    host,
    port,
    get mode() {
      return current.mode;
    },
    setMode(mode, modeOptions = {}) {
      const setting = faultSetting(mode, modeOptions);
      if (modeOptions.connection !== undefined) {
        const one = live.get(modeOptions.connection);
        if (!one) throw new Error(`no open connection ${modeOptions.connection} through the proxy`);
        one.apply(setting);
        return;
      }
      current = setting;
      for (const connection of live.values()) connection.apply(setting);
    },
    connections() {
      return [...live.values()].filter((c) => !c.isClosed).map((c) => c.info());
    },
    async close() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of live.values()) connection.destroy();
      await Promise.all([closing, ...[...live.values()].map((c) => c.whenClosed())]);
    },
  };
}
