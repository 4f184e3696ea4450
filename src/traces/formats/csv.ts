/**
 * `csv`: any CSV with a header, its columns mapped in the scenario (`columns: { time, tokens,
 * contextTokens, type, contextKey, priority, deadline, tenant }`) and its time unit given.
 */
import { CsvRecords } from '../csvRecords.js';
import { nonNegativeNumber, quoted, rowError, tokenCount, traceSeconds } from '../rowError.js';
import type { CsvColumns, TraceRow, TraceRowReader } from '../types.js';
import { columnIndices } from './header.js';

/** Reads a CSV trace through a column mapping. */
export class CsvReader implements TraceRowReader {
  private readonly records: CsvRecords;
  private readonly indices: Partial<Record<keyof CsvColumns, number>>;

  /**
   * @param path - the file; @param file - as the user wrote it
   * @param columns - the mapping; @param timeUnitSeconds - seconds per unit of the time column
   */
  constructor(path: string, private readonly file: string, private readonly columns: CsvColumns, private readonly timeUnitSeconds: number) {
    this.records = new CsvRecords(path, file);
    const wanted = Object.fromEntries(Object.entries(columns).filter(([, name]) => name !== undefined)) as Record<keyof CsvColumns, string>;
    this.indices = columnIndices(this.records, wanted, file, 'csv (as workload.trace.columns maps it)');
  }

  /** {@inheritDoc TraceRowReader.next} */
  next(): TraceRow | undefined {
    const record = this.records.next();
    if (record === undefined) return undefined;
    const { fields, line } = record;
    const { file, columns, indices } = this;
    const field = (key: keyof CsvColumns): string | undefined => (indices[key] === undefined ? undefined : fields[indices[key]]);
    const text = (key: keyof CsvColumns): string | undefined => {
      const value = field(key)?.trim();
      return value === '' ? undefined : value;
    };
    const priorityText = text('priority');
    let priority: number | undefined;
    if (priorityText !== undefined) {
      priority = Number(priorityText);
      if (!/^[0-4]$/.test(priorityText)) throw rowError(file, line, columns.priority!, `expected a priority level 0..4, got ${quoted(priorityText)}`);
    }
    const deadlineText = text('deadline');
    // An empty cell is no context, as for every optional column.
    const contextTokens = text('contextTokens');
    return {
      line,
      timeSeconds: traceSeconds(field('time'), file, line, columns.time, 'a time', (time) => time * this.timeUnitSeconds),
      inputTokens: contextTokens === undefined ? 0 : tokenCount(contextTokens, file, line, columns.contextTokens!),
      outputTokens: tokenCount(field('tokens'), file, line, columns.tokens),
      ...(text('type') === undefined ? {} : { type: text('type') }),
      ...(text('contextKey') === undefined ? {} : { contextKey: text('contextKey') }),
      ...(priority === undefined ? {} : { priority }),
      ...(text('tenant') === undefined ? {} : { tenant: text('tenant') }),
      ...(deadlineText === undefined ? {} : { deadlineSeconds: nonNegativeNumber(deadlineText, file, line, columns.deadline!, 'a deadline') * this.timeUnitSeconds }),
    };
  }

  /** {@inheritDoc TraceRowReader.close} */
  close(): void {
    this.records.close();
  }
}
