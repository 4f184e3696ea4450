/**
 * Progress on stderr for runs longer than a second, only when stderr is a terminal (CI logs and
 * pipes stay clean).
 */

/** Reports runs done out of a total. */
export interface Progress {
  update(done: number, total: number): void;
  done(): void;
}

/** Where progress goes: a TTY check and a write (a subset of `NodeJS.WriteStream`). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * A progress line on `stream` if it is a TTY, otherwise silence.
 * @param clockMs - milliseconds from any origin. @defaultValue performance.now
 */
export function terminalProgress(stream: ProgressStream, label: string, clockMs: () => number = () => performance.now()): Progress {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  const start = clockMs();
  let shown = false;
  return {
    update(done, total) {
      const elapsedSeconds = (clockMs() - start) / 1000;
      if (elapsedSeconds < 1) return;
      shown = true;
      const left = done > 0 ? (elapsedSeconds / done) * (total - done) : 0;
      stream.write(`\r${label}: ${done.toFixed(1)}/${total} runs, ${elapsedSeconds.toFixed(1)} s elapsed, ~${left.toFixed(0)} s left `);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
