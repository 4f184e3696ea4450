/**
 * The clients' side of the service's HTTP API (docs/LIVE.md, "The HTTP service"): JSON requests
 * with an optional bearer token, and the one distinction retrying callers need: the service was
 * unreachable, failing or busy (connection refused or reset, a timeout, a 5xx, a 429: retry), or
 * it answered (any other status: act on it).
 */

/** An answer of the service. */
export interface ServiceAnswer {
  /** HTTP status code. */
  readonly status: number;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: unknown;
}

/** The service could not be reached, or answered 5xx: worth retrying. */
export class ServiceUnavailable extends Error {
  /** The error class's name, as stack traces and `error.name` checks read it. */
  override readonly name = 'ServiceUnavailable';
}

/** How to reach a service. */
export interface ServiceClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
}

/** Sends JSON requests to one service. */
export class ServiceClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  /** @param options - see {@link ServiceClientOptions}. */
  constructor(options: ServiceClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json', ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }) };
  }

  /**
   * Sends one request; resolves with any answer below 500 but 429, throws
   * {@link ServiceUnavailable} otherwise (no answer within `timeoutMs`, a network error, a 5xx, a 429).
   */
  request(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<ServiceAnswer> {
    return this.requestRaw(method, path, body === undefined ? undefined : JSON.stringify(body), timeoutMs, signal);
  }

  /** {@link ServiceClient.request} with a body that is JSON text already. */
  async requestRaw(method: 'GET' | 'POST' | 'DELETE', path: string, payload: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<ServiceAnswer> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: payload === undefined ? this.withoutContentType() : this.headers,
        ...(payload === undefined ? {} : { body: payload }),
        signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      });
      text = await response.text();
    } catch (error) {
      throw new ServiceUnavailable(`${method} ${path}: ${describe(error)}`);
    }
    // 429: too many requests open (a poll of a previous connection not closed yet): retry later too.
    if (response.status >= 500 || response.status === 429) throw new ServiceUnavailable(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed };
  }

  private withoutContentType(): Record<string, string> {
    const { 'content-type': _, ...rest } = this.headers;
    return rest;
  }
}

/** The error message of a failed answer, for one-line reports. */
export function errorText(answer: ServiceAnswer): string {
  const body = answer.body as { error?: unknown } | undefined;
  return `HTTP ${answer.status}${typeof body?.error === 'string' ? `: ${body.error}` : ''}`;
}

/** A fetch failure's cause, in one line (`ECONNREFUSED`, `ECONNRESET`, a timeout). */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (error.name === 'TimeoutError') return 'no answer in time';
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
