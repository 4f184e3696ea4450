/**
 * `mooncake`: the Mooncake traces (FAST'25). One JSON object a line: `timestamp` (milliseconds
 * from the trace start), `input_length`, `output_length` (tokens) and `hash_ids`, one id per
 * block of the prompt (512 tokens by default), shared ids being shared prefixes.
 */
import { JsonLines } from '../jsonLines.js';
import { quoted, rowError, tokenCount, traceSeconds } from '../rowError.js';
import type { TraceRow, TraceRowReader } from '../types.js';

/** Reads a Mooncake trace. */
export class MooncakeReader implements TraceRowReader {
  private readonly lines: JsonLines;

  /**
   * @param path - the file; @param file - as the user wrote it
   * @param blockTokens - tokens per block: `hash_ids` must have ⌈input_length ÷ blockTokens⌉ ids
   */
  constructor(path: string, private readonly file: string, private readonly blockTokens: number) {
    this.lines = new JsonLines(path, file);
  }

  /** {@inheritDoc TraceRowReader.next} */
  next(): TraceRow | undefined {
    const next = this.lines.next();
    if (next === undefined) return undefined;
    const { value, line } = next;
    const { file } = this;
    const inputTokens = tokenCount(value.input_length, file, line, 'input_length');
    const ids = value.hash_ids;
    if (!Array.isArray(ids)) throw rowError(file, line, 'hash_ids', `expected a list of block ids, got ${ids === undefined ? 'nothing' : quoted(ids)}`);
    const blocks = ids.map((id, i) => {
      if (!Number.isSafeInteger(id)) throw rowError(file, line, `hash_ids[${i}]`, `expected an integer block id, got ${quoted(id)}`);
      return id as number;
    });
    const expected = Math.ceil(inputTokens / this.blockTokens);
    if (blocks.length !== expected) {
      throw rowError(file, line, 'hash_ids', `expected ${expected} block ids (input_length ${inputTokens} ÷ ${this.blockTokens} tokens a block, rounded up), got ${blocks.length}`);
    }
    return {
      line,
      timeSeconds: traceSeconds(value.timestamp, file, line, 'timestamp', 'a time in milliseconds', (ms) => ms / 1000),
      inputTokens,
      outputTokens: tokenCount(value.output_length, file, line, 'output_length'),
      blocks,
    };
  }

  /** {@inheritDoc TraceRowReader.close} */
  close(): void {
    this.lines.close();
  }
}
