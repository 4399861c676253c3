import {
  createServer as createNetServer,
  type Server,
  type Socket,
} from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';

/** One RFC 5424 message, split into its parts. */
export interface SyslogMessage {
  /** The frame's declared length, checked against the bytes received. */
  length: number;
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  msg: string;
}

/** A TCP or TLS listener that decodes octet-counted syslog frames. */
export interface SyslogReceiver {
  port: number;
  messages: SyslogMessage[];
  /** Framing or format errors seen (a correct sender causes none). */
  errors: string[];
  /** Connections accepted so far. */
  connections: number;
  /** Closes every open client connection (the server keeps listening). */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Starts a receiver; with `tls` it is an RFC 5425 listener. */
export async function startSyslogReceiver(
  tls?: { cert: Buffer; key: Buffer },
  port = 0,
): Promise<SyslogReceiver> {
  const sockets = new Set<Socket>();
  const state = {
    messages: [] as SyslogMessage[],
    errors: [] as string[],
    connections: 0,
  };
  const onConnection = (socket: Socket): void => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 0) {
          return;
        }
        const length = Number(buffer.subarray(0, space).toString('ascii'));
        if (!Number.isInteger(length) || length <= 0) {
          state.errors.push(
            `bad frame length '${buffer.subarray(0, space).toString()}'`,
          );
          socket.destroy();
          return;
        }
        if (buffer.length < space + 1 + length) {
          return;
        }
        const frame = buffer
          .subarray(space + 1, space + 1 + length)
          .toString('utf8');
        buffer = buffer.subarray(space + 1 + length);
        const message = parse(frame, length);
        if (typeof message === 'string') {
          state.errors.push(message);
        } else {
          state.messages.push(message);
        }
      }
    });
  };
  const server: Server = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key }, onConnection)
    : createNetServer(onConnection);
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get messages() {
      return state.messages;
    },
    get errors() {
      return state.errors;
    },
    get connections() {
      return state.connections;
    },
    dropConnections() {
      for (const socket of sockets) {
        socket.destroy();
      }
    },
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** Splits `<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG` (SD = `-`). */
function parse(frame: string, length: number): SyslogMessage | string {
  const match =
    /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\]) (.*)$/s.exec(
      frame,
    );
  if (!match) {
    return `not an RFC 5424 message: ${frame}`;
  }
  const [, pri, version, timestamp, hostname, appName, procId, msgId, sd, msg] =
    match as unknown as string[];
  return {
    length,
    pri: Number(pri),
    version: version ?? '',
    timestamp: timestamp ?? '',
    hostname: hostname ?? '',
    appName: appName ?? '',
    procId: procId ?? '',
    msgId: msgId ?? '',
    structuredData: sd ?? '',
    msg: msg ?? '',
  };
}
