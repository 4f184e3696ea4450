/**
 * `burstgpt`: the BurstGPT traces. CSV with `Timestamp` (seconds from the trace start),
 * `Model`, `Request tokens`, `Response tokens`, `Total tokens`, `Log Type`. The model becomes
 * the task type; a request with 0 response tokens failed.
 */
import { CsvRecords } from '../csvRecords.js';
import { quoted, rowError, tokenCount, traceSeconds } from '../rowError.js';
import type { TraceRow, TraceRowReader } from '../types.js';
import { columnIndices } from './header.js';

const COLUMNS = {
  time: 'Timestamp', model: 'Model', input: 'Request tokens', output: 'Response tokens', total: 'Total tokens', log: 'Log Type',
} as const;

/** Reads a BurstGPT trace. */
export class BurstGptReader implements TraceRowReader {
  private readonly records: CsvRecords;
  private readonly columns: Record<keyof typeof COLUMNS, number>;

  /** @param path - the file; @param file - as the user wrote it. */
  constructor(path: string, private readonly file: string) {
    this.records = new CsvRecords(path, file);
    this.columns = columnIndices(this.records, COLUMNS, file, 'burstgpt');
  }

  /** {@inheritDoc TraceRowReader.next} */
  next(): TraceRow | undefined {
    const record = this.records.next();
    if (record === undefined) return undefined;
    const { fields, line } = record;
    const c = this.columns;
    const inputTokens = tokenCount(fields[c.input], this.file, line, COLUMNS.input);
    const outputTokens = tokenCount(fields[c.output], this.file, line, COLUMNS.output);
    const total = tokenCount(fields[c.total], this.file, line, COLUMNS.total);
    if (total !== inputTokens + outputTokens) {
      throw rowError(this.file, line, COLUMNS.total, `expected request + response tokens (${inputTokens + outputTokens}), got ${total}`);
    }
    const model = fields[c.model]!.trim();
    if (model === '') throw rowError(this.file, line, COLUMNS.model, `expected a model name, got ${quoted(fields[c.model])}`);
    return {
      line,
      timeSeconds: traceSeconds(fields[c.time], this.file, line, COLUMNS.time, 'a time in seconds'),
      inputTokens,
      outputTokens,
      type: model,
      failed: outputTokens === 0,
    };
  }

  /** {@inheritDoc TraceRowReader.close} */
  close(): void {
    this.records.close();
  }
}
