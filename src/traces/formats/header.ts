/** The header check shared by the CSV formats. */
import type { CsvRecords } from '../csvRecords.js';
import { fileError } from '../rowError.js';

/**
 * The index of each `wanted` column in the header of `records` (closed when one is missing).
 * @throws InputError (the header's line) naming the first missing column and the header found
 */
export function columnIndices<K extends string>(records: Pick<CsvRecords, 'header' | 'headerLine' | 'close'>, wanted: Readonly<Record<K, string>>, file: string, format: string): Record<K, number> {
  const { header, headerLine } = records;
  const indices = {} as Record<K, number>;
  for (const [field, name] of Object.entries(wanted) as [K, string][]) {
    const index = header.indexOf(name);
    if (index < 0) {
      records.close();
      throw fileError(file, `expected a ${format} header with column ${JSON.stringify(name)}, got ${header.map((h) => JSON.stringify(h)).join(',')}`, headerLine);
    }
    indices[field] = index;
  }
  return indices;
}
