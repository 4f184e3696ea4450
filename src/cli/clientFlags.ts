/**
 * Flags shared by the service's clients, `fleetsim agents`, `fleetsim load` and `fleetsim status`:
 * the service's URL, its bearer token and the speedup (and `agents`' provisioner name), checked
 * into one-line input errors naming the flag, and the stop signals.
 */
import { isCarriableToken } from '../live/service/auth.js';
import { provisionerName } from '../live/service/bodies.js';
import { InputError } from '../scenario/errors.js';
import { parseWith } from '../scenario/zodIssues.js';

/** `--url`: an http(s) URL; returned without a trailing slash. */
export function parseServiceUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError('command line', '--url', `expected a URL like http://127.0.0.1:8080, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InputError('command line', '--url', `expected an http:// or https:// URL, got ${JSON.stringify(url)}`);
  }
  return url.replace(/\/+$/, '');
}

/**
 * `--token`: a bearer token the service can read back, visible ASCII only. A space, a control
 * character or a letter outside ASCII cannot travel in `Authorization: Bearer <token>` as the
 * service reads it, so every request would fail and be retried without end. The message never
 * prints the token.
 */
export function parseToken(token: string): string {
  if (!isCarriableToken(token)) {
    throw new InputError('command line', '--token', 'expected visible ASCII characters only (no spaces, control characters or non-ASCII letters)');
  }
  return token;
}

/** `--provisioner-name`: a name the service takes in a pool poll's `provisioner` (visible ASCII, 1..128 characters). */
export function parseProvisionerName(name: string): string {
  try {
    return parseWith(provisionerName, name, 'command line');
  } catch (error) {
    // The service's wording for its `provisioner` field, under the flag's name.
    if (error instanceof InputError) throw new InputError('command line', '--provisioner-name', error.expected);
    throw error;
  }
}

/** `--speedup`: a finite number > 0. */
export function parseSpeedup(speedup: number): number {
  if (!(typeof speedup === 'number' && Number.isFinite(speedup) && speedup > 0)) {
    throw new InputError('command line', '--speedup', `expected a number > 0, got ${String(speedup)}`);
  }
  return speedup;
}

/** Ends a client command on the first SIGINT or SIGTERM: calls `stop` once. */
export function onStopSignal(stop: () => void): () => void {
  const handler = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
