/**
 * The byte-order mark (U+FEFF) some editors and spreadsheet exports write at the start of a UTF-8
 * file. It carries no data, so every reader of a text file drops it there (and only there): a
 * scenario, a trace, an event log, a results document or a baseline saved with one reads as
 * the same file without.
 */

/** U+FEFF. */
export const BYTE_ORDER_MARK = '\uFEFF';

/** `text` without a byte-order mark at its start. */
export function withoutByteOrderMark(text: string): string {
  return text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
}
