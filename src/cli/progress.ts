/**
 * Progress on stderr for runs longer than a second, only when stderr is a terminal (CI logs and
 * pipes stay clean).
 */

/** Reports runs done out of a total. */
export interface Progress {
  update(done: number, total: number): void;
  done(): void;
}

/** A progress line on `stream` if it is a TTY, otherwise silence. */
export function terminalProgress(stream: NodeJS.WriteStream, label: string): Progress {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  const start = performance.now();
  let shown = false;
  return {
    update(done, total) {
      const elapsedSeconds = (performance.now() - start) / 1000;
      if (elapsedSeconds < 1) return;
      shown = true;
      const left = done > 0 ? (elapsedSeconds / done) * (total - done) : 0;
      stream.write(`\r${label}: ${done}/${total} runs, ${elapsedSeconds.toFixed(1)} s elapsed, ~${left.toFixed(0)} s left `);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
