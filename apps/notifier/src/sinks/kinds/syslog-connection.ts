import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

import type { Logger } from '@kubeguard/log';

import { SinkError } from '../errors.js';

/** Where and how to connect. */
export interface SyslogTarget {
  sinkId: string;
  host: string;
  port: number;
  /** TLS options, or undefined for plain TCP. */
  tls: ConnectionOptions | undefined;
  timeoutMs: number;
  log: Logger;
}

/**
 * One long-lived TCP or TLS connection to a syslog receiver. It connects on
 * first use, notices when the receiver closes or the socket fails, and
 * reconnects on the next write.
 */
export class SyslogConnection {
  private socket: Socket | undefined;

  constructor(private readonly target: SyslogTarget) {}

  /** Writes `data`; resolves once the kernel has taken all of it. */
  async write(data: Buffer): Promise<void> {
    let socket = this.socket;
    if (socket) {
      // Let a pending 'end' or 'error' from the receiver land before reusing the socket.
      await new Promise(resolve => setImmediate(resolve));
      socket = this.socket;
    }
    socket ??= await this.connect();
    await this.writeTo(socket, data);
  }

  /** Closes the connection (after pending writes). */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) {
      return;
    }
    await new Promise<void>(resolve => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, this.target.timeoutMs).unref();
    });
  }

  private connect(): Promise<Socket> {
    const { host, port, tls, timeoutMs, sinkId } = this.target;
    return new Promise<Socket>((resolve, reject) => {
      const socket = tls
        ? tlsConnect({ ...tls, host, port })
        : netConnect({ host, port });
      const ready = tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new SinkError(
            'SINK_TIMEOUT',
            `no connection to ${host}:${String(port)} within ${String(timeoutMs)} ms`,
            { sinkId, retryable: true },
          ),
        );
      }, timeoutMs);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(unreachable(sinkId, host, port, error));
      };
      socket.once('error', onError);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.setKeepAlive(true);
        socket.setNoDelay(true);
        // Receivers do not answer; drain anything they send.
        socket.resume();
        const drop = (): void => {
          if (this.socket === socket) {
            this.socket = undefined;
          }
        };
        socket.on('error', (error: Error) => {
          this.target.log.warn('syslog connection failed', {
            sink: sinkId,
            error: error.message,
          });
          drop();
          socket.destroy();
        });
        socket.on('end', () => {
          drop();
          socket.destroy();
        });
        socket.on('close', drop);
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  private writeTo(socket: Socket, data: Buffer): Promise<void> {
    const { sinkId, host, port, timeoutMs } = this.target;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new SinkError(
            'SINK_TIMEOUT',
            `write to ${host}:${String(port)} not done within ${String(timeoutMs)} ms`,
            { sinkId, retryable: true },
          ),
        );
      }, timeoutMs);
      socket.write(data, error => {
        clearTimeout(timer);
        if (error) {
          socket.destroy();
          if (this.socket === socket) {
            this.socket = undefined;
          }
          reject(unreachable(sinkId, host, port, error));
        } else {
          resolve();
        }
      });
    });
  }
}

function unreachable(
  sinkId: string,
  host: string,
  port: number,
  error: Error,
): SinkError {
  const code = (error as NodeJS.ErrnoException).code;
  return new SinkError(
    'SINK_UNREACHABLE',
    `cannot reach ${host}:${String(port)}: ${code ?? error.message}`,
    { sinkId, retryable: true, cause: error },
  );
}
