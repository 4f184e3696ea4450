/**
 * The `workload.trace` section: the file resolved next to the scenario and checked to exist,
 * format-specific options refused for the other formats, defaults applied.
 */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { scanTrace } from '../traces/scanTrace.js';
import { DEFAULT_BLOCK_TOKENS, TRACE_FORMAT_OPTIONS, TRACE_TIME_UNIT_SECONDS, type TraceConfig } from '../traces/types.js';
import { InputError, systemErrorReason } from './errors.js';
import { MAX_TASK_TOKENS, type TraceEntry } from './schema.js';

/** Builds the trace configuration, throwing an {@link InputError} for the first mistake. */
export function buildTrace(entry: TraceEntry, file: string): TraceConfig {
  for (const [option, format] of Object.entries(TRACE_FORMAT_OPTIONS)) {
    if (entry[option as keyof typeof TRACE_FORMAT_OPTIONS] !== undefined && entry.format !== format) {
      throw new InputError(file, `workload.trace.${option}`, `applies to format ${format} only, not ${entry.format}`);
    }
  }
  if (entry.format === 'csv' && entry.columns === undefined) {
    throw new InputError(file, 'workload.trace.columns', 'required for format csv: expected { time, tokens } header names (and optionally contextTokens, type, contextKey, priority, deadline, tenant)');
  }
  const path = resolve(dirname(file), entry.file);
  try {
    if (!statSync(path).isFile()) throw new InputError(file, 'workload.trace.file', `${entry.file} is not a file`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, 'workload.trace.file', `cannot read ${entry.file} (resolved to ${path}): ${systemErrorReason(error)}`);
  }
  const from = entry.window?.from ?? 0;
  const to = entry.window?.to ?? Infinity;
  if (to <= from) throw new InputError(file, 'workload.trace.window.to', `expected more than window.from (${from}), got ${to}`);
  if (entry.types !== undefined && !entry.types.includes(entry.type)) {
    throw new InputError(file, 'workload.trace.types', `expected a list that includes type (${JSON.stringify(entry.type)}), the type of rows that carry none`);
  }
  const config: TraceConfig = {
    file: path,
    // Messages name the trace as the user reaches it: beside the scenario file as they named it.
    fileAsWritten: isAbsolute(entry.file) ? entry.file : normalize(join(dirname(file), entry.file)),
    format: entry.format,
    type: entry.type,
    types: entry.types ?? [],
    timeScale: entry.timeScale,
    rateScale: entry.rateScale,
    copyOffsetSeconds: entry.copyOffset,
    window: { fromSeconds: from, toSeconds: to },
    tokenScale: entry.tokenScale,
    loop: entry.loop === true ? Infinity : entry.loop,
    work: entry.work,
    priority: entry.priority,
    failed: entry.failed ?? 'keep',
    ...(entry.columns === undefined ? {} : { columns: entry.columns }),
    timeUnitSeconds: TRACE_TIME_UNIT_SECONDS[entry.timeUnit ?? 's']!,
    blockTokens: entry.blockTokens ?? DEFAULT_BLOCK_TOKENS,
    keyBlock: entry.keyBlock ?? 1,
    ...(entry.strategy === undefined ? {} : { strategy: entry.strategy }),
    ...(entry.replication === undefined ? {} : { replication: entry.replication }),
    rows: 0,
  };
  const { rows, types, largestTokens, largestTokensLine } = scanTrace(config, entry.types === undefined);
  if (rows === 0) {
    const where = Number.isFinite(to) || from > 0 ? `in the window [${from}, ${to}) s of ${entry.file}` : `in ${entry.file}`;
    throw new InputError(file, entry.window === undefined ? 'workload.trace.file' : 'workload.trace.window', `no trace row ${where}: nothing to replay`);
  }
  // As for the workload's own token counts: past the bound, a run's token totals overflow.
  if (largestTokens > MAX_TASK_TOKENS) {
    // The rows themselves (their count is known unless the scale overflowed it), or the scale applied to them.
    if (Number.isFinite(largestTokens) && largestTokens / entry.tokenScale > MAX_TASK_TOKENS) {
      throw new InputError(file, 'workload.trace.file', `${entry.file} has a row of ${largestTokens / entry.tokenScale} tokens on line ${largestTokensLine}, more than the ${MAX_TASK_TOKENS} a task may have`);
    }
    throw new InputError(
      file,
      'workload.trace.tokenScale',
      `expected every replayed token count to be at most ${MAX_TASK_TOKENS}, got ${largestTokens} (the trace's largest row × tokenScale ${entry.tokenScale})`,
    );
  }
  return { ...config, rows, types };
}
