/**
 * A count with its noun in the right number, for the lines people read: "1 task type",
 * "3 task types", "1 strategy".
 */

/** `count` and the noun, singular for exactly 1 (`plural` defaults to the singular + "s"). */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
