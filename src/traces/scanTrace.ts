/**
 * One pass over the rows a replay will read, when the scenario is loaded: every row is checked
 * there (a bad row is exit 2 before any run starts, also in worker threads, which cannot hand an
 * InputError back as one), and the count feeds the run's work estimate.
 */
import { quoted, rowError } from './rowError.js';
import { TraceArrivals } from './traceArrivals.js';
import { TraceTaskFactory } from './traceTasks.js';
import type { TraceConfig } from './types.js';

/** What a scan found: rows in the window of one pass, and the first and last row times (trace seconds). */
export interface TraceScan {
  /** Rows in the window of one pass. */
  readonly rows: number;
  /** The task types the rows carry (with `type`), when the scan collected them. */
  readonly types: readonly string[];
  /** Time of the first row, trace seconds. */
  readonly firstSeconds: number;
  /** Time of the last row, trace seconds. */
  readonly lastSeconds: number;
  /** The largest token count of a replayed task, work or context, `tokenScale` applied (0 when none). */
  readonly largestTokens: number;
  /** The line of the row with {@link TraceScan.largestTokens} (0 when none), for messages. */
  readonly largestTokensLine: number;
}

/**
 * Reads one pass of the trace, checking every row as the replay would: in bounded memory but for
 * the ids of an events file's submissions (each must be submitted once).
 * @param collectTypes - accept every task type and list them (else a type outside `config.types` is an error)
 * @throws InputError for the first bad row
 */
export function scanTrace(config: TraceConfig, collectTypes: boolean): TraceScan {
  const single: TraceConfig = { ...config, loop: 1, rateScale: 1, timeScale: 1 };
  const arrivals = new TraceArrivals(single, 0, 0);
  const tasks = new TraceTaskFactory(single, collectTypes);
  let rows = 0;
  let firstSeconds = Number.NaN;
  let lastSeconds = Number.NaN;
  let largestTokens = 0;
  let largestTokensLine = 0;
  // Lines of the ids an events file's submissions carry: one id submitted twice cannot be replayed.
  const idLines = new Map<string, number>();
  try {
    for (let arrival = arrivals.next(); arrival !== undefined; arrival = arrivals.next()) {
      const { row } = arrival;
      if (row.spec !== undefined) {
        const earlier = idLines.get(row.spec.id);
        if (earlier !== undefined) throw rowError(config.fileAsWritten, row.line, 'spec.id', `task id ${quoted(row.spec.id)} was submitted before, on line ${earlier}: expected each submission once`);
        idLines.set(row.spec.id, row.line);
      }
      const spec = tasks.create(arrival);
      if (spec !== undefined && Math.max(spec.tokens, spec.contextTokens) > largestTokens) {
        largestTokens = Math.max(spec.tokens, spec.contextTokens);
        largestTokensLine = row.line;
      }
      if (rows++ === 0) firstSeconds = arrival.atSeconds;
      lastSeconds = arrival.atSeconds;
    }
  } finally {
    arrivals.close();
  }
  return { rows, types: tasks.typesSeen, firstSeconds, lastSeconds, largestTokens, largestTokensLine };
}
