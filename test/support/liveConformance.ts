/**
 * What the live-equals-simulation tests share (test/live/conformance.test.ts in process,
 * test/distributed/liveConformanceManual.test.ts through Redis): the library's scenarios cut to a
 * horizon each, runs recorded as JSON lines of their engine events, and the first line where two
 * logs part.
 */
import { readdirSync } from 'node:fs';
import { eventRecord } from '../../src/engine/eventRecord.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import type { RunOptions, RunResult } from '../../src/sim/simulation.js';

/** The scenario library, read from the repository root. */
export const LIBRARY = 'scenarios';

/** How far a library scenario runs in a conformance test. */
export interface Horizons {
  /** Stop time (simulated seconds) per scenario name. */
  readonly seconds: Readonly<Record<string, number>>;
  /** Stop time of a scenario not listed. */
  readonly defaultSeconds: number;
  /** Generated tasks of a scenario that stops by task count and has no stop time. */
  readonly tasks: number;
}

/** The library's scenario files, sorted. */
export function libraryFiles(): string[] {
  return readdirSync(LIBRARY).filter((file) => file.endsWith('.yaml')).sort();
}

/** A library scenario loaded and cut to its horizon. */
export function shortenedLibraryScenario(file: string, horizons: Horizons): Scenario {
  return shortened(loadScenario(`${LIBRARY}/${file}`), horizons);
}

/** `scenario` cut to its horizon (a stop by task count is cut to `horizons.tasks`). */
export function shortened(scenario: Scenario, horizons: Horizons): Scenario {
  if (Number.isFinite(scenario.stop.tasks) && scenario.stop.timeSeconds === Number.POSITIVE_INFINITY) {
    return { ...scenario, stop: { ...scenario.stop, tasks: Math.min(scenario.stop.tasks, horizons.tasks) } };
  }
  const horizon = horizons.seconds[scenario.name] ?? horizons.defaultSeconds;
  return { ...scenario, stop: { ...scenario.stop, timeSeconds: Math.min(scenario.stop.timeSeconds, horizon) } };
}

/** A run's result and its engine events, one JSON line each. */
export interface Recorded {
  /** The result `run` returned. */
  readonly result: RunResult;
  /** Its engine events, one JSON line each, in the order they were emitted. */
  readonly lines: string[];
}

/** Runs `run` recording every engine event as a JSON line, serialised as it happens (events hold live references to tasks that change later). */
export function recorded(run: (options: RunOptions) => RunResult, options: Omit<RunOptions, 'onEvent'>): Recorded;
/** The same for a run that returns a promise (a live run): the recording resolves with it. */
export function recorded(run: (options: RunOptions) => Promise<RunResult>, options: Omit<RunOptions, 'onEvent'>): Promise<Recorded>;
export function recorded(run: (options: RunOptions) => RunResult | Promise<RunResult>, options: Omit<RunOptions, 'onEvent'>): Recorded | Promise<Recorded> {
  const lines: string[] = [];
  const result = run({ ...options, onEvent: (event) => lines.push(JSON.stringify(eventRecord(event))) });
  return result instanceof Promise ? result.then((r) => ({ result: r, lines })) : { result, lines };
}

/** The first line where two event logs part, with a little context, for a readable failure. */
export function firstDifference(expected: readonly string[], actual: readonly string[]): string | undefined {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== actual[i]) {
      return `event ${i} of ${expected.length} (sim) / ${actual.length} (live):\n  sim:  ${expected[i] ?? '(none)'}\n  live: ${actual[i] ?? '(none)'}`;
    }
  }
  return undefined;
}
