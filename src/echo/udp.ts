import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { datagramReply } from './line-echo.js';
import type { EchoMetrics } from './metrics.js';

export interface UdpEcho {
  readonly port: number;
  close(): Promise<void>;
}

export interface UdpEchoOptions {
  port: number;
  /** undefined: every interface (IPv6 dual stack, else IPv4). */
  host: string | undefined;
  prefix: string | undefined;
  metrics: EchoMetrics;
}

/** Echo UDP datagrams on one port, with the same prefix rule as TCP (see datagramReply). */
export async function startUdpEcho(options: UdpEchoOptions): Promise<UdpEcho> {
  const socket = await bindUdp(options.port, options.host);
  socket.on('message', (message, peer) => {
    options.metrics.countBytes('udp', 'received', message.length);
    options.metrics.countDatagram();
    const { reply, droppedLines } = datagramReply(message, options.prefix);
    options.metrics.countDroppedUdpLines(droppedLines);
    if (!reply) return;
    options.metrics.countBytes('udp', 'sent', reply.length);
    socket.send(reply, peer.port, peer.address);
  });
  // A send to a vanished peer reports an error on the socket; the echo goes on.
  socket.on('error', () => undefined);
  return {
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

async function bindUdp(port: number, host: string | undefined): Promise<dgram.Socket> {
  if (host !== undefined) return bind(isIPv6(host) ? 'udp6' : 'udp4', port, host);
  try {
    return await bind('udp6', port, '::');
  } catch (err) {
    if (isAddressFamilyError(err)) return bind('udp4', port, '0.0.0.0');
    throw err;
  }
}

function bind(type: 'udp4' | 'udp6', port: number, address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type, ipv6Only: false });
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ port, address }, () => {
      socket.removeListener('error', onError);
      resolve(socket);
    });
  });
}

function isAddressFamilyError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL';
}
