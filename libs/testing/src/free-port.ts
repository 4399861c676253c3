import { createServer } from 'node:net';

/** Returns a TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    // Never let this probe keep the process alive.
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`unexpected listen address: ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close(error => {
        if (error) reject(error);
        else resolve(port);
      });
    });
  });
}
