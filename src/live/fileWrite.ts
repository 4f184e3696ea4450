/**
 * A whole byte range written to a file in Node's thread pool: how the events file's lines and
 * the write-ahead log's zero padding reach the page cache without the event loop waiting. A
 * write into the page cache is usually a copy of microseconds, but it can block for many
 * milliseconds (ext4 waiting for a page's lock while writeback holds it, under a compaction's or
 * another process's heavy writeback); in the pool that holds one thread, not every request of
 * the service. (The log's group writes stay synchronous: in the pool, each group's fsync could
 * only start once the loop had taken the write's completion, a loop turn more on every commit.)
 */
import { write } from 'node:fs';

/**
 * Writes all of `bytes` to file `fd` at byte `position` (`null`: at the file's end, for a file
 * opened for appending), going on after a short write, then calls `callback` once, with the
 * error if one failed. The caller must not change `bytes` until then.
 */
export function writeFully(fd: number, bytes: Uint8Array, position: number | null, callback: (error: Error | null) => void): void {
  let done = 0;
  const next = (): void => {
    write(fd, bytes, done, bytes.length - done, position === null ? null : position + done, (error, written) => {
      if (error !== null) {
        callback(error);
        return;
      }
      done += written;
      if (done < bytes.length) next();
      else callback(null);
    });
  };
  if (bytes.length === 0) queueMicrotask(() => callback(null));
  else next();
}

/** {@link writeFully} as a promise. */
export function writeFullyAsync(fd: number, bytes: Uint8Array, position: number | null): Promise<void> {
  return new Promise((resolve, reject) => writeFully(fd, bytes, position, (error) => (error === null ? resolve() : reject(error))));
}
