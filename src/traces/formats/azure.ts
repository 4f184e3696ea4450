/**
 * `azure-llm`: the Azure LLM inference traces (2023 code and conversation, 2024 week-long).
 * CSV with `TIMESTAMP` (a UTC datetime such as `2023-11-16 18:17:03.9799600`, an optional `Z`
 * or `+00:00` suffix allowed), `ContextTokens` (input) and `GeneratedTokens` (output). Times
 * are seconds from the first row's timestamp.
 */
import type { InputError } from '../../scenario/errors.js';
import { CsvRecords } from '../csvRecords.js';
import { quoted, rowError, tokenCount } from '../rowError.js';
import type { TraceRow, TraceRowReader } from '../types.js';
import { columnIndices } from './header.js';

/** Date, hour and minute: `2023-11-16 18:17` (checked and converted once a minute of the trace). */
const MINUTE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/;
/** What follows the minute: `:03.9799600`, a UTC suffix allowed. */
const SECONDS = /^:(\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]00:?00)?$/;

/** Reads an Azure LLM trace. */
export class AzureReader implements TraceRowReader {
  private readonly records: CsvRecords;
  private readonly columns: { time: number; input: number; output: number };
  /** Whole seconds and the fraction of the first row: the origin. */
  private originWhole = Number.NaN;
  private originFraction = 0;
  /** The last minute prefix seen and its epoch seconds: rows come minutes apart at most, mostly. */
  private minuteText = '';
  private minuteSeconds = Number.NaN;

  /** @param path - the file; @param file - as the user wrote it. */
  constructor(path: string, private readonly file: string) {
    this.records = new CsvRecords(path, file);
    this.columns = columnIndices(this.records, { time: 'TIMESTAMP', input: 'ContextTokens', output: 'GeneratedTokens' }, file, 'azure-llm');
  }

  /** {@inheritDoc TraceRowReader.next} */
  next(): TraceRow | undefined {
    const record = this.records.next();
    if (record === undefined) return undefined;
    const { fields, line } = record;
    const text = fields[this.columns.time]!.trim();
    const bad = (): InputError => rowError(this.file, line, 'TIMESTAMP', `expected a datetime like 2023-11-16 18:17:03.9799600, got ${quoted(text)}`);
    const minute = text.slice(0, 16);
    if (minute !== this.minuteText) {
      const match = MINUTE.exec(minute);
      if (match === null) throw bad();
      const [year, month, day, hour, minuteOfHour] = match.slice(1).map(Number) as [number, number, number, number, number];
      const date = new Date(Date.UTC(year, month - 1, day, hour, minuteOfHour));
      // Date.UTC rolls a field out of range into the next (February 30 is March 2): refused instead.
      const exact = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && date.getUTCHours() === hour && date.getUTCMinutes() === minuteOfHour;
      if (!exact) throw bad();
      this.minuteSeconds = date.getTime() / 1000;
      this.minuteText = minute;
    }
    const rest = SECONDS.exec(text.slice(16));
    if (rest === null || Number(rest[1]) > 59) throw bad();
    const whole = this.minuteSeconds + Number(rest[1]);
    const fraction = rest[2] === undefined ? 0 : Number(`0.${rest[2]}`);
    if (Number.isNaN(this.originWhole)) {
      this.originWhole = whole;
      this.originFraction = fraction;
    }
    // Whole and fractional parts apart: epoch seconds at 100 ns would need 17 digits.
    return {
      line,
      timeSeconds: whole - this.originWhole + (fraction - this.originFraction),
      inputTokens: tokenCount(fields[this.columns.input], this.file, line, 'ContextTokens'),
      outputTokens: tokenCount(fields[this.columns.output], this.file, line, 'GeneratedTokens'),
    };
  }

  /** {@inheritDoc TraceRowReader.close} */
  close(): void {
    this.records.close();
  }
}
