/**
 * Creating an output directory (`--out`, `--events`, `--baseline`) without Node's recursive
 * `mkdirSync`, which spins forever on file systems that refuse new entries with ENOENT (/proc).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `dir` and its missing parents, one level at a time. Node's recursive `mkdirSync`
 * retries forever where the parent exists but refuses children with ENOENT (/proc), so this
 * walks the parent chain once (as many steps as the path has levels) and lets the first
 * refusal throw.
 * @throws the file system's error for the first level that cannot be created
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let current = resolve(dir);
  while (!existsSync(current)) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (error) {
      // Another process (a parallel shard) may have just created it: that is what we wanted.
      if (!(isCode(error, 'EEXIST') && statSync(level).isDirectory())) throw error;
    }
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
