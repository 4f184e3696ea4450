/**
 * Progress on stderr for runs longer than a second, only when stderr is a terminal (CI logs and
 * pipes stay clean).
 */
import type { ExperimentProgress } from '../experiments/experiment.js';

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

/** Reports an experiment's progress. */
export interface ExperimentProgressBar {
  update(state: ExperimentProgress): void;
  done(): void;
}

/** Width of the bar in characters. */
const BAR_WIDTH = 24;
/** Least time between two redraws: a terminal need not be repainted for every run. */
const REDRAW_MS = 100;

/**
 * A progress bar for `compare`, `sweep` and `regress` on `stream` if it is a TTY, otherwise
 * silence: `label [#######.........] 12/45 runs, 2/3 cells, 3.1 runs/s, ~10 s left`. Like
 * {@link terminalProgress} it stays quiet for the first second, so short runs print nothing.
 * @param clockMs - milliseconds from any origin. @defaultValue performance.now
 */
export function experimentProgress(
  stream: ProgressStream, label: string, clockMs: () => number = () => performance.now(), cellNoun = 'cells',
): ExperimentProgressBar {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  const start = clockMs();
  let shown = false;
  let lastDrawMs = -Infinity;
  return {
    update(state) {
      const now = clockMs();
      const elapsedSeconds = (now - start) / 1000;
      if (elapsedSeconds < 1 || now - lastDrawMs < REDRAW_MS) return;
      shown = true;
      lastDrawMs = now;
      stream.write(`\r${progressLine(label, state, elapsedSeconds, cellNoun)}\x1b[K`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

/** The text of one progress line (without the carriage return); `cellNoun` names the cells. */
export function progressLine(label: string, state: ExperimentProgress, elapsedSeconds: number, cellNoun = 'cells'): string {
  const share = state.runs === 0 ? 1 : Math.min(1, state.runsDone / state.runs);
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const rate = elapsedSeconds > 0 ? state.runsDone / elapsedSeconds : 0;
  const left = rate > 0 ? `~${formatSeconds((state.runs - state.runsDone) / rate)} left` : 'estimating';
  const cells = state.cells > 1 ? `, ${state.cellsDone}/${state.cells} ${cellNoun}` : '';
  return `${label} ${bar} ${Math.floor(state.runsDone)}/${state.runs} runs${cells}, ${rate.toFixed(1)} runs/s, ${left}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
