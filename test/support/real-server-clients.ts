// Minimal clients of the real servers the sandbox runs: one Redis command (RESP), one MQTT 3.1.1
// CONNECT. Each opens a connection, waits for a complete reply, closes.
import net from 'node:net';

function exchange(port: number, request: Buffer, complete: (reply: Buffer) => boolean, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply from 127.0.0.1:${port} within ${timeoutMs} ms (got ${JSON.stringify(reply.toString('latin1'))})`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      if (!complete(reply)) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** One Redis command as a RESP array; the reply's text (a simple string, error, integer or bulk string line by line). */
export async function redisCommand(port: number, ...args: string[]): Promise<string> {
  const request = Buffer.from(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  const whole = (reply: Buffer): boolean => {
    const text = reply.toString('latin1');
    if (!text.startsWith('$')) return text.endsWith('\r\n');
    const length = Number(/^\$(-?\d+)\r\n/.exec(text)?.[1] ?? NaN);
    return length < 0 ? text.endsWith('\r\n') : Buffer.byteLength(text, 'latin1') >= `$${length}\r\n`.length + length + 2;
  };
  return (await exchange(port, request, whole)).toString('latin1');
}

/** MQTT 3.1.1 CONNECT (clean session, client id `clientId`); resolves with the CONNACK's return code (0 = accepted). */
export async function mqttConnect(port: number, clientId = 'tcpshift-test'): Promise<number> {
  const id = Buffer.from(clientId);
  const variableHeader = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  const connect = Buffer.concat([Buffer.from([0x10, variableHeader.length + payload.length]), variableHeader, payload]);
  const connack = await exchange(port, connect, (reply) => reply.length >= 4);
  if (connack[0] !== 0x20) throw new Error(`not a CONNACK: ${connack.toString('hex')}`);
  return connack[3] ?? -1;
}
