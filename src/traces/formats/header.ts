/** The header check shared by the CSV formats. */
import { fileError } from '../rowError.js';

/**
 * The index of each `wanted` column in `header`.
 * @throws InputError (line 1) naming the first missing column and the header found
 */
export function columnIndices<K extends string>(header: readonly string[], wanted: Readonly<Record<K, string>>, file: string, format: string): Record<K, number> {
  const indices = {} as Record<K, number>;
  for (const [field, name] of Object.entries(wanted) as [K, string][]) {
    const index = header.indexOf(name);
    if (index < 0) {
      throw fileError(file, `expected a ${format} header with column ${JSON.stringify(name)}, got ${header.map((h) => JSON.stringify(h)).join(',')}`, 1);
    }
    indices[field] = index;
  }
  return indices;
}
