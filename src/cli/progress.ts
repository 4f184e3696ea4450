/**
 * Progress on stderr for experiments (`run`, `compare`, `sweep`, `regress`) longer than a second,
 * only when stderr is a terminal (CI logs and pipes stay clean). It counts finished runs (jobs)
 * and moves as each one finishes.
 */
import type { ExperimentProgress } from '../experiments/experiment.js';

/** Where progress goes: a TTY check and a write (a subset of `NodeJS.WriteStream`). */
export interface ProgressStream {
  /** Whether the stream is a terminal (progress is shown only there). */
  readonly isTTY?: boolean;
  /** Writes text to the stream. */
  write(text: string): unknown;
}

/** Reports an experiment's progress. */
export interface ExperimentProgressBar {
  /** Redraws the progress line (at most every so often, and at each finished cell). */
  update(state: ExperimentProgress): void;
  /** Erases the progress line, if one was shown. */
  done(): void;
}

/** Width of the bar in characters. */
const BAR_WIDTH = 24;
/** Least time between two redraws: a terminal need not be repainted for every run. */
const REDRAW_MS = 100;

/**
 * A progress bar for `run`, `compare`, `sweep` and `regress` on `stream` if it is a TTY, otherwise
 * silence: `label [#######.........] 12/45 runs, 2/3 cells, 3.1 runs/s, ~10 s left`. It stays quiet
 * for the first second, so short runs print nothing, and redraws at most every 100 ms, except
 * when a cell or the last run finishes, which always shows.
 * @param clockMs - milliseconds from any origin. @defaultValue performance.now
 */
export function experimentProgress(
  stream: ProgressStream, label: string, clockMs: () => number = () => performance.now(), cellNoun = 'cells',
): ExperimentProgressBar {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  const start = clockMs();
  let shown = false;
  let lastDrawMs = -Infinity;
  let cellsShown = 0;
  return {
    update(state) {
      const now = clockMs();
      const elapsedSeconds = (now - start) / 1000;
      const milestone = state.cellsDone !== cellsShown || state.runsDone === state.runs;
      if (elapsedSeconds < 1 || (now - lastDrawMs < REDRAW_MS && !milestone)) return;
      shown = true;
      lastDrawMs = now;
      cellsShown = state.cellsDone;
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
