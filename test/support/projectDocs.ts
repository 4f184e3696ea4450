/** The project's documentation, which the lints in test/lint read. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The README and every Markdown file of docs/, as paths from the repository root `root` (`README.md`, `docs/LIVE.md`, …). */
export function projectDocs(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}
