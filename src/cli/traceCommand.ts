/**
 * `fleetsim trace stats <file> --format F`: the statistics of a trace file (src/traces/traceStats.ts),
 * as a table or, with `--json`, one JSON document.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, didYouMean, systemErrorReason } from '../scenario/errors.js';
import { STAT_PERCENTILES, traceStats, type TokenStats, type TraceStats } from '../traces/traceStats.js';
import type { TraceArgs } from './traceFlags.js';
import { DEFAULT_BLOCK_TOKENS, TRACE_FORMAT_OPTIONS, TRACE_FORMATS, TRACE_TIME_UNIT_SECONDS, type CsvColumns, type TraceFormat } from '../traces/types.js';

/** The flags of `trace` that belong to one format, by the trace option of the same name (`TRACE_FORMAT_OPTIONS`), in the order they are checked. */
const FORMAT_FLAGS = { columns: '--columns', timeUnit: '--time-unit', blockTokens: '--block-tokens' } as const;

/** The fields `--columns` may map: those of a scenario's `workload.trace.columns`. */
const COLUMN_FIELDS = ['time', 'tokens', 'contextTokens', 'type', 'contextKey', 'priority', 'deadline', 'tenant'] as const satisfies readonly (keyof CsvColumns)[];

/** Runs `fleetsim trace stats`. */
export function traceCommand(args: TraceArgs): void {
  const format = checkFormat(args.format);
  if (!(Number.isFinite(args.window) && args.window > 0)) throw new InputError('command line', '--window', `expected a number of seconds > 0, got ${String(args.window)}`);
  // A flag of another format would be ignored: it is refused instead, as in a scenario's trace.
  for (const [option, flag] of Object.entries(FORMAT_FLAGS)) {
    const owner = TRACE_FORMAT_OPTIONS[option as keyof typeof FORMAT_FLAGS];
    if (args[option as keyof typeof FORMAT_FLAGS] !== undefined && format !== owner) throw new InputError('command line', flag, `applies to --format ${owner} only`);
  }
  const blockTokens = args.blockTokens ?? DEFAULT_BLOCK_TOKENS;
  if (!(Number.isSafeInteger(blockTokens) && blockTokens >= 1)) throw new InputError('command line', '--block-tokens', `expected an integer >= 1, got ${String(blockTokens)}`);
  const timeUnit = args.timeUnit ?? 's';
  const timeUnitSeconds = TRACE_TIME_UNIT_SECONDS[timeUnit];
  if (timeUnitSeconds === undefined) throw new InputError('command line', '--time-unit', `expected one of s, ms, us, ns, got ${JSON.stringify(timeUnit)}`);
  const columns = format === 'csv' ? parseColumns(args.columns) : undefined;
  const path = resolve(args.file);
  try {
    if (!statSync(path).isFile()) throw new InputError(args.file, '', 'not a file');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(args.file, '', `cannot read the trace (${systemErrorReason(error)})`);
  }
  const stats = traceStats({ file: path, fileAsWritten: args.file, format, timeUnitSeconds, blockTokens, ...(columns === undefined ? {} : { columns }) }, args.window);
  // A header and nothing else reads as a trace of zero rows: statistics of nothing, so an input error.
  if (stats.rows === 0) throw new InputError(args.file, '', `no trace row in the file: expected at least one ${format} row`);
  process.stdout.write(args.json ? `${JSON.stringify(stats, null, 2)}\n` : statsText(stats));
}

function checkFormat(format: string): TraceFormat {
  if ((TRACE_FORMATS as readonly string[]).includes(format)) return format as TraceFormat;
  throw new InputError('command line', '--format', `unknown trace format ${JSON.stringify(format)}${didYouMean(format, TRACE_FORMATS)}; expected one of ${TRACE_FORMATS.join(', ')}`);
}

function parseColumns(text: string | undefined): CsvColumns {
  if (text === undefined) throw new InputError('command line', '--columns', 'required with --format csv: e.g. time=at,tokens=out');
  const mapping: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [field, name] = pair.split('=').map((s) => s.trim());
    if (field === undefined || name === undefined || name === '' || !(COLUMN_FIELDS as readonly string[]).includes(field)) {
      throw new InputError('command line', '--columns', `expected field=column pairs with fields among ${COLUMN_FIELDS.join(', ')}, got ${JSON.stringify(pair)}`);
    }
    mapping[field] = name;
  }
  if (mapping.time === undefined || mapping.tokens === undefined) throw new InputError('command line', '--columns', 'expected at least time=… and tokens=…');
  return mapping as unknown as CsvColumns;
}

function statsText(stats: TraceStats): string {
  const number = (x: number | null, digits = 3): string => (x === null ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: digits }));
  const tokens = (t: TokenStats): string => `mean ${number(t.mean, 1)}, ${STAT_PERCENTILES.map((p) => `p${p} ${t.percentiles[`p${p}`]}`).join(', ')}, max ${t.max}`;
  const lines = [
    `${stats.file} (${stats.format})`,
    `rows                 ${stats.rows.toLocaleString('en-US')}`,
    `duration             ${number(stats.durationSeconds, 1)} s`,
    `mean rate            ${number(stats.meanRatePerSecond)} /s`,
    `peak rate            ${number(stats.peakRatePerSecond)} /s (busiest ${stats.peakWindowSeconds} s window)`,
    `inter-arrival CV     ${number(stats.interArrivalCv)}`,
    `input tokens         ${tokens(stats.inputTokens)}`,
    `output tokens        ${tokens(stats.outputTokens)}`,
  ];
  if (stats.prefixReuseRatio !== null) lines.push(`prefix reuse         ${number(stats.prefixReuseRatio)} (share of blocks seen in an earlier row)`);
  return `${lines.join('\n')}\n`;
}
