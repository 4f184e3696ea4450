/**
 * The live bench's HTTP client: JSON over keep-alive connections of node:http (lighter than
 * fetch, which matters when the bench shares two cores with the service it measures).
 */
import { type Agent as HttpAgent, request } from 'node:http';

/** A service's answer as the bench's client reads it. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  /** When its last bytes were read (`performance.timeOrigin + performance.now()`, ms), before the body was parsed: the bench's timing point. */
  readonly receivedAt: number;
}

/** A keep-alive JSON client of the service. */
export class Client {
  /** Requests sent so far. */
  requests = 0;
  private readonly host: string;
  private readonly port: number;

  /** @param url - the service's base URL; @param agent - the connection pool to use. */
  constructor(url: string, private readonly agent: HttpAgent) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port);
  }

  /**
   * Sends one request; resolves with the status, the parsed body (the text when not JSON) and
   * when the answer's last bytes were read (absolute ms, before it was parsed).
   */
  call(method: string, path: string, body?: unknown): Promise<Answer> {
    return this.callRaw(method, path, body === undefined ? undefined : JSON.stringify(body));
  }

  /** Sends one request whose body is JSON text already. */
  callRaw(method: string, path: string, payload: string | undefined): Promise<Answer> {
    this.requests++;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
      const req = request({ host: this.host, port: this.port, method, path, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const receivedAt = performance.timeOrigin + performance.now();
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON: keep the text for the error message
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, receivedAt });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}
