/**
 * Typed errors for user mistakes in scenario files and command-line overrides. The CLI turns an
 * {@link InputError} into its one-line `message` and exit code 2; any other
 * error is a bug and keeps its stack trace.
 */

/** A scenario file (or an override of it) that cannot be used as given. */
export class InputError extends Error {
  /** The error class's name, as stack traces and `error.name` checks read it. */
  override readonly name = 'InputError';
  /** The file the mistake is in, as the user named it. */
  readonly file: string;
  /** Field path such as `agents[0].skills.reviw`, or '' when the mistake is not in one field. */
  readonly path: string;
  /** What was wrong and what was expected, one line. */
  readonly expected: string;

  /**
   * @param file - the scenario file as the user named it
   * @param path - field path (see {@link formatPath}), or '' when not applicable
   * @param expected - what was wrong and what was expected; newlines are folded into spaces
   */
  constructor(file: string, path: string, expected: string) {
    const oneLine = expected.replace(/\s*[\r\n]\s*/g, ' ').trim();
    const shownFile = file === '' || /^\s|\s$/.test(file) ? JSON.stringify(file) : shownName(file);
    super(path === '' ? `${shownFile}: ${oneLine}` : `${shownFile}: ${shownName(path)}: ${oneLine}`);
    this.file = file;
    this.path = path;
    this.expected = oneLine;
  }
}

/**
 * A file name or field path as a message shows it: as given, or quoted as JSON when it holds a
 * control character (a newline would break the one line). A file name is quoted too when it is
 * empty or starts or ends with white space, which would not show.
 */
function shownName(name: string): string {
  return /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : name;
}

/** True when `e` is an {@link InputError} (a user mistake rather than a bug). */
export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}

/** A segment of a field path: an object key or an array index. */
export type PathSegment = string | number;

/**
 * Formats a field path the way a user would write it in JavaScript: `agents[0].skills.code`.
 * Keys that are not plain words (spaces, dots) are quoted: `skills["code review"]`.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/**
 * The candidate closest to `word` by edit distance, when it is close enough to be a likely typo
 * (at most two edits, and fewer than half the word's length). Used for "did you mean" hints.
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor((word.length - 1) / 2)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** " (did you mean "x"?)" when a close candidate exists, else ''. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const guess = closestName(word, candidates);
  return guess === undefined ? '' : ` (did you mean "${guess}"?)`;
}

/** Levenshtein distance (insertions, deletions, substitutions), two rows of memory. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Plain words for the usual system error codes. */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EIO: 'input/output error',
  EINVAL: 'the file system does not support this',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  EEXIST: 'a file is in the way of the directory',
  EMFILE: 'too many open files',
};

/** Why a file operation failed, e.g. `ENOENT: no such file`, for one-line messages. */
export function systemErrorReason(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  if (code === undefined) return firstLineOf(error);
  const reason = SYSTEM_ERRORS[code];
  return reason === undefined ? code : `${code}: ${reason}`;
}

/** The first line of an error's message (parsers append code frames below it). */
export function firstLineOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
