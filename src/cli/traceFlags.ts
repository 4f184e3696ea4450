/**
 * The flags of `fleetsim trace`, apart from the command so that building the parser does not load
 * the trace readers (src/cli/main.ts imports each command's module only when it runs).
 */
import type { Argv } from 'yargs';
import { TRACE_FORMATS } from '../traces/types.js';

/** The flags of `fleetsim trace`. */
export interface TraceArgs {
  /** What to do with the trace (`stats`). */
  readonly action: string;
  /** The trace file. */
  readonly file: string;
  /** `--format`: the trace's format. */
  readonly format: string;
  /** `--json`: print the statistics as one JSON document. */
  readonly json: boolean;
  /** `--window`: seconds of the window of the peak rate. */
  readonly window: number;
  /** `--columns`: a CSV trace's column mapping, e.g. `time=at,tokens=out,contextTokens=in`. */
  readonly columns?: string;
  /** Absent unless given: it applies to `--format csv` only. */
  readonly timeUnit?: string;
  /** Absent unless given: it applies to `--format mooncake` only. */
  readonly blockTokens?: number;
}

/** Adds the `trace` command's positionals and flags to `y`. */
export function traceOptions(y: Argv): Argv {
  return y
    .positional('action', { type: 'string', choices: ['stats'], describe: 'what to do with the trace' })
    .positional('file', { type: 'string', demandOption: true, describe: 'the trace file' })
    .option('format', { type: 'string', demandOption: true, requiresArg: true, describe: `the trace format: ${TRACE_FORMATS.join(', ')}` })
    .option('json', { type: 'boolean', default: false, describe: 'print the statistics as one JSON document' })
    .option('window', { type: 'number', default: 60, requiresArg: true, describe: 'seconds of the window of the peak rate' })
    .option('columns', { type: 'string', requiresArg: true, describe: 'csv: the column mapping, e.g. time=at,tokens=out,contextTokens=in' })
    .option('time-unit', { type: 'string', defaultDescription: 's', requiresArg: true, describe: 'csv: unit of the time column (s, ms, us, ns)' })
    .option('block-tokens', { type: 'number', defaultDescription: '512', requiresArg: true, describe: 'mooncake: tokens per prefix block' });
}
