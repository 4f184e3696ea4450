/**
 * HTTP requests written byte by byte on a socket, for tests of what a client library would refuse
 * to send (a malformed request line, a content length that lies, a bad percent escape), and the
 * first answer read back from the bytes the service wrote.
 */
import { connect } from 'node:net';

/** Longest the service may take to answer one request. */
const ANSWER_TIMEOUT_MS = 5_000;

/** How the body is framed on the wire. */
export type Framing = 'length' | 'short' | 'long' | 'chunked';

/** One request as generated. */
export interface RawRequest {
  /** The request line's method, as written (it may be none HTTP has). */
  readonly method: string;
  /** The request line's target, as written (percent escapes and query included). */
  readonly path: string;
  /** The `Content-Type` header, or none. */
  readonly contentType: string | undefined;
  /** The bearer token of an `Authorization` header, or none. */
  readonly token: string | undefined;
  /** The body, sent as UTF-8. */
  readonly body: string;
  /** How the body is framed (see {@link Framing}). */
  readonly framing: Framing;
  /** Header lines written as they are, after the others. */
  readonly extraHeaders?: readonly string[];
}

/** The request's bytes as `framing` puts them on the wire. */
export function wire(request: RawRequest, host: string): Buffer {
  const body = Buffer.from(request.body, 'utf8');
  const head = [`${request.method} ${request.path} HTTP/1.1`, `Host: ${host}`, 'Connection: close'];
  if (request.contentType !== undefined) head.push(`Content-Type: ${request.contentType}`);
  if (request.token !== undefined) head.push(`Authorization: Bearer ${request.token}`);
  switch (request.framing) {
    case 'length': head.push(`Content-Length: ${body.length}`); break;
    case 'short': head.push(`Content-Length: ${Math.floor(body.length / 2)}`); break;
    case 'long': head.push(`Content-Length: ${body.length + 10}`); break;
    case 'chunked': head.push('Transfer-Encoding: chunked'); break;
  }
  head.push(...(request.extraHeaders ?? []));
  const framed = request.framing === 'chunked'
    ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from(body.length > 0 ? '\r\n0\r\n\r\n' : '\r\n')])
    : body;
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), framed]);
}

/** What came back: the status (undefined: the connection closed without an answer) and the body. */
export interface RawAnswer {
  /** The first answer's status; undefined when the connection closed without one. */
  readonly status: number | undefined;
  /** The first answer's body, as UTF-8 text. */
  readonly body: string;
}

/**
 * The first answer in `bytes`, its body cut by its content length or its chunks: the bytes a
 * short content length leaves over are a second request, which may get an answer of its own.
 */
export function firstAnswer(bytes: Buffer): RawAnswer {
  const headEnd = bytes.indexOf('\r\n\r\n');
  const head = bytes.subarray(0, headEnd < 0 ? bytes.length : headEnd).toString('latin1');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1];
  if (status === undefined || headEnd < 0) return { status: status === undefined ? undefined : Number(status), body: '' };
  let rest = bytes.subarray(headEnd + 4);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length !== undefined) return { status: Number(status), body: rest.subarray(0, Number(length)).toString('utf8') };
  if (!/\r\ntransfer-encoding: *chunked/i.test(head)) return { status: Number(status), body: rest.toString('utf8') };
  const body: Buffer[] = [];
  for (;;) {
    const sizeEnd = rest.indexOf('\r\n');
    const size = sizeEnd < 0 ? 0 : parseInt(rest.subarray(0, sizeEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    body.push(rest.subarray(sizeEnd + 2, sizeEnd + 2 + size));
    rest = rest.subarray(sizeEnd + 2 + size + 2);
  }
  return { status: Number(status), body: Buffer.concat(body).toString('utf8') };
}

/** Sends `request` on a new connection, half-closes it, and reads until the service closes it. */
export function send(url: string, request: RawRequest): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of the answer within ${ANSWER_TIMEOUT_MS} ms`));
    }, ANSWER_TIMEOUT_MS);
    socket.on('connect', () => socket.end(wire(request, `${hostname}:${port}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The service may close while bytes it will not read are still in flight (a reset): what came back counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(firstAnswer(Buffer.concat(chunks)));
    });
  });
}

