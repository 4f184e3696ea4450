/**
 * The report directory of `compare`, `sweep` and `merge`: `summary.json` (the document),
 * `results.csv`, `leaderboards.csv`, `classes.csv` (metrics by class), `agents.csv` (figures per agent) and `summary.md`, all
 * rendered from the one document.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentDocument } from '../experiments/types.js';
import { makeDirectory } from '../makeDirectory.js';
import { InputError, systemErrorReason } from '../scenario/errors.js';
import { agentsCsv, classesCsv, leaderboardsCsv, resultsCsv } from './csv.js';
import { summaryMarkdown } from './markdown.js';

/** The document as written to `summary.json` and printed by `--json`. */
export function documentJson(document: ExperimentDocument): string {
  return JSON.stringify(document, null, 2) + '\n';
}

/**
 * The default report directory of a scenario: `reports/<name>/`, the name made safe for a path.
 */
export function defaultReportDir(scenarioName: string): string {
  const safe = scenarioName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'scenario';
  return join('reports', safe);
}

/**
 * Writes `summary.json`, `results.csv`, `leaderboards.csv`, `classes.csv`, `agents.csv` and `summary.md` into `dir`
 * (created as needed) and returns the paths written.
 * @param json - the document's {@link documentJson}, when the caller has it already (`--json`
 *   prints it too: a compare's is a megabyte or more, serialised once)
 * @throws InputError naming `--out` when the directory or a file cannot be written
 */
export function writeReportDir(dir: string, document: ExperimentDocument, json: string = documentJson(document)): string[] {
  return writeReportFiles(dir, [
    ['summary.json', json],
    ['results.csv', resultsCsv(document)],
    ['leaderboards.csv', leaderboardsCsv(document)],
    ['classes.csv', classesCsv(document)],
    ['agents.csv', agentsCsv(document)],
    ['summary.md', summaryMarkdown(document)],
  ]);
}

/**
 * Writes `files` (name, content) into the report directory `dir`, created as needed, and
 * returns the paths written. No files only creates the directory.
 * @throws InputError naming `--out` when the directory or a file cannot be written
 */
export function writeReportFiles(dir: string, files: readonly (readonly [string, string | Buffer])[]): string[] {
  try {
    makeDirectory(dir);
    for (const [name, data] of files) writeFileSync(join(dir, name), data);
  } catch (error) {
    throw new InputError(dir, '--out', `cannot write the report directory (${systemErrorReason(error)})`);
  }
  return files.map(([name]) => join(dir, name));
}
