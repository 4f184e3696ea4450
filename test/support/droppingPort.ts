/** A port where a service should be, resetting every connection: the service unreachable, but each attempt counted. */
import { createServer, type Server } from 'node:net';

/** A listener on 127.0.0.1 that resets (RST) every connection as it arrives. */
export interface DroppingPort {
  readonly port: number;
  /** Connections attempted so far (each one a request that failed). */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Starts a {@link DroppingPort} on a port chosen by the system. */
export async function droppingPort(): Promise<DroppingPort> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    // A reset fails the request at once; a plain close can leave the client waiting for its request timeout.
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
