/**
 * The `--queue redis://HOST:PORT/DB` flag read into its parts, without loading a Redis client
 * (commands check the flag before anything else, and most runs never connect).
 */
import { InputError } from '../scenario/errors.js';

/** The flag every message names. */
export const QUEUE_FLAG = '--queue';

/** Where the Redis of a queue is: the parts of a `redis://HOST:PORT/DB` URL. */
export interface QueueUrl {
  /** The URL as the user gave it (for messages). */
  readonly url: string;
  /** Redis host name or address. */
  readonly host: string;
  /** Redis TCP port. */
  readonly port: number;
  /** The database index (`SELECT`), 0 when the URL has no path. */
  readonly db: number;
  /** Password from `redis://:password@host…` or `redis://user:password@host…`, if any. */
  readonly password?: string;
  /** ACL user name from `redis://user:password@host…`, if any. */
  readonly username?: string;
}

/** A one-line error about the queue at `url`, naming the flag. */
export function queueError(url: string, expected: string): InputError {
  return new InputError('command line', QUEUE_FLAG, `${url}: ${expected}`);
}

/**
 * Parses and checks a `redis://HOST:PORT/DB` URL (port defaults to 6379, DB to 0).
 * @throws InputError naming `--queue` when the URL is malformed
 */
export function parseQueueUrl(url: string): QueueUrl {
  const expected = 'expected redis://HOST:PORT/DB, e.g. redis://127.0.0.1:6379/0';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw queueError(JSON.stringify(url), `not a URL; ${expected}`);
  }
  if (parsed.protocol !== 'redis:') throw queueError(url, `scheme "${parsed.protocol.replace(/:$/, '')}" is not redis; ${expected}`);
  if (parsed.hostname === '') throw queueError(url, `no host; ${expected}`);
  if (parsed.search !== '' || parsed.hash !== '') throw queueError(url, `no query or fragment is taken; ${expected}`);
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) throw queueError(url, `the DB "${path}" is not a database index (a whole number); ${expected}`);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return {
    url,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db: path === '' ? 0 : Number(path),
    ...(password === '' ? {} : { password }),
    ...(username === '' ? {} : { username }),
  };
}

