/**
 * Every relative link in the README and docs/ reaches a file that exists, and every `#anchor`
 * names a heading of its target as GitHub renders it (github-slugger: punctuation such as the
 * en dash of "(01:32–02:05 runs)" is dropped, not turned into a hyphen).
 */
import GithubSlugger from 'github-slugger';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/runCli.js';
import { projectDocs } from '../support/projectDocs.js';

/** The anchors GitHub gives a Markdown file's headings (fenced code skipped, duplicates numbered). */
function headingAnchors(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const text = heading[1]!.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    anchors.add(slugger.slug(text));
  }
  return anchors;
}

/** One line per broken relative link of `files`: a missing target file or an anchor no heading has. */
function brokenLinks(files: readonly string[]): string[] {
  const broken: string[] = [];
  const anchorsByFile = new Map<string, Set<string>>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      const href = match[1]!;
      if (/^[a-z]+:/i.test(href)) continue;
      const [path, anchor] = href.split('#') as [string, string | undefined];
      const target = path === '' ? file : resolve(dirname(file), path);
      if (!existsSync(target)) {
        broken.push(`${file}: ${href}: no such file`);
        continue;
      }
      if (anchor === undefined || !target.endsWith('.md')) continue;
      let anchors = anchorsByFile.get(target);
      if (anchors === undefined) anchorsByFile.set(target, (anchors = headingAnchors(target)));
      if (!anchors.has(anchor)) broken.push(`${file}: ${href}: no such heading`);
    }
  }
  return broken;
}

describe('documentation links', () => {
  it('has no broken relative link or anchor in the README and docs/', () => {
    expect(brokenLinks(projectDocs(ROOT).map((doc) => join(ROOT, doc)))).toEqual([]);
  });

  it('flags a missing file and an anchor spelled with the en dash turned into a hyphen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-links-'));
    try {
      const page = join(dir, 'page.md');
      writeFileSync(
        page,
        [
          '# Runs (01:32–02:05 runs)',
          '[good](#runs-01320205-runs) [hyphen](#runs-0132-0205-runs) [gone](missing.md)',
          '',
        ].join('\n'),
      );
      expect(brokenLinks([page])).toEqual([
        `${page}: #runs-0132-0205-runs: no such heading`,
        `${page}: missing.md: no such file`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
