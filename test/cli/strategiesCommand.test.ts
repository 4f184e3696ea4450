/**
 * `fleetsim strategies [name]`: every strategy with its parameters and their defaults, as the
 * scenario loader fills them in, and one strategy by name.
 */
import { describe, expect, it } from 'vitest';
import { STRATEGIES } from '../../src/strategies/index.js';
import { runCli } from './runCli.js';

/** The block of `name` in the listing: its heading line and the indented lines under it. */
function block(listing: string, name: string): string[] {
  const lines = listing.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${name}: `));
  expect(start, name).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => !line.startsWith('  '));
  return [lines[start]!, ...rest.slice(0, end < 0 ? rest.length : end)];
}

describe('fleetsim strategies', () => {
  const listing = runCli('strategies');

  it('lists every strategy with its description', () => {
    expect(listing.status).toBe(0);
    for (const s of STRATEGIES) expect(block(listing.stdout, s.name)[0]).toBe(`${s.name}: ${s.description}`);
  });

  it('shows each parameter with the default the loader fills in, or "no parameters"', () => {
    for (const s of STRATEGIES) {
      const defaults = s.params.parse({}) as Record<string, unknown>;
      const lines = block(listing.stdout, s.name).slice(1);
      if (Object.keys(defaults).length === 0) {
        expect(lines, s.name).toEqual(['  no parameters']);
        continue;
      }
      expect(lines, s.name).toHaveLength(Object.keys(defaults).length);
      for (const [key, value] of Object.entries(defaults)) {
        expect(lines.find((line) => line.trimStart().startsWith(`${key} `)), `${s.name}.${key}`).toMatch(new RegExp(`default ${escape(JSON.stringify(value))}$`));
      }
    }
  });

  it('states types and bounds', () => {
    expect(block(listing.stdout, 'power-of-d')[1]).toMatch(/^ {2}d +integer 1\.\.64 +default 2$/);
    expect(block(listing.stdout, 'capability-match')[2]).toMatch(/^ {2}fallback +one of most-skilled, wait +default "most-skilled"$/);
  });
});

describe('fleetsim strategies <name>', () => {
  it('shows that strategy alone', () => {
    const run = runCli('strategies', 'power-of-d');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${block(runCli('strategies').stdout, 'power-of-d').join('\n')}\n`);
  });

  it('an unknown name is an input error with a did-you-mean', () => {
    const run = runCli('strategies', 'power-of-b');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^fleetsim: command line: strategies: unknown strategy "power-of-b" \(did you mean "power-of-d"\?\); known strategies: round-robin, /);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
