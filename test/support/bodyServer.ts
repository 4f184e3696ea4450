/** A real HTTP server for clients' tests: it reads a request's whole body, then hands it to the test's handler. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Answers one request whose body was read whole (as UTF-8 text). */
export type BodyHandler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A server listening on a free port of 127.0.0.1, and its base URL. */
export interface BodyServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  /** The server itself, for the caller to close. */
  readonly server: Server;
}

/** Starts a server answering with `handler`; the caller closes it. */
export async function bodyServer(handler: BodyHandler): Promise<BodyServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
