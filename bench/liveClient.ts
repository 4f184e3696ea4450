/**
 * The live bench's HTTP client: JSON over keep-alive connections of an undici `Pool`, driven
 * through its low-level `dispatch` (no `ClientRequest`, no stream or header objects per
 * request; about half the CPU of node:http's client per request), which matters when the bench
 * shares two cores with the service it measures.
 */
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

/** A service's answer as the bench's client reads it. */
export interface Answer {
  /** HTTP status code. */
  readonly status: number;
  /** The parsed JSON body. */
  readonly body: unknown;
  /** When its last bytes were read (`performance.timeOrigin + performance.now()`, ms), before the body was parsed: the bench's timing point. */
  readonly receivedAt: number;
}

/** The content type of every request with a body (shared: undici only reads it). */
const JSON_HEADERS: readonly string[] = ['content-type', 'application/json'];

/**
 * One request's handler in undici's dispatch interface: gathers the body's chunks, and on the
 * answer's end (undici's parser read its last bytes) takes the time, then parses.
 */
class AnswerHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private readonly chunks: Buffer[] = [];

  constructor(private readonly resolve: (answer: Answer) => void, private readonly reject: (error: Error) => void) {}

  onConnect(): void {}

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    const receivedAt = performance.timeOrigin + performance.now();
    const text = this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error message
    }
    this.resolve({ status: this.status, body: parsed, receivedAt });
  }

  onError(error: Error): void {
    this.reject(error);
  }
}

/** A keep-alive JSON client of the service. */
export class Client {
  /** Requests sent so far. */
  requests = 0;
  private readonly pool: Pool;

  /**
   * @param url - the service's base URL; @param connections - the most connections open at
   * once (each carries one request at a time: a long poll must not hold up the requests queued
   * behind it, and undici pipelines no POST).
   */
  constructor(url: string, connections: number) {
    this.pool = new Pool(new URL(url).origin, { connections });
  }

  /**
   * Sends one request; resolves with the status, the parsed body (the text when not JSON) and
   * when the answer's last bytes were read (absolute ms, before it was parsed).
   */
  call(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<Answer> {
    return this.callRaw(method, path, body === undefined ? undefined : JSON.stringify(body));
  }

  /** Sends one request whose body is JSON text already. */
  callRaw(method: Dispatcher.HttpMethod, path: string, payload: string | undefined): Promise<Answer> {
    this.requests++;
    return new Promise((resolve, reject) => {
      this.pool.dispatch(payload === undefined ? { method, path } : { method, path, body: payload, headers: JSON_HEADERS as string[] }, new AnswerHandler(resolve, reject));
    });
  }

  /** Closes the connections (requests still open fail). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
