/**
 * The chart templates' store (src/report/templateStore.ts): what one process adds the next one
 * reads; a damaged, truncated or foreign file is not used and is rewritten; it keeps at most its
 * limits, oldest out; real processes writing it at exit, together, leave a whole file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledTemplate } from '../../src/report/chartTemplates.js';
import { TemplateStore, templateStoreName, type CompilerVersions } from '../../src/report/templateStore.js';
import { ROOT } from '../cli/runCli.js';

const VERSIONS: CompilerVersions = { vega: '6.4.0', vegaLite: '6.4.3' };
/** The build's copy, for processes of their own (`npm run build` first). */
const STORE_MODULE = pathToFileURL(join(ROOT, 'dist/src/report/templateStore.js')).href;

let dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function storeFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-templates-'));
  dirs.push(dir);
  return join(dir, 'templates.jsonl');
}

/** A template whose text tells it apart, with a slot and a warning naming one, and JSON's awkward characters. */
function template(name: string): CompiledTemplate {
  return { jsonPieces: [`{"name":"${name}","text":"`, '0', '","quote":"\\"\\n\u2028é"}'], warnings: [`warning of ${name} about fleetsimSlot0z`] };
}

/** A store of `file` to which these templates were added and saved, as one process would. */
function saveTemplates(file: string, names: readonly string[], versions: CompilerVersions = VERSIONS, limits = {}): TemplateStore {
  const store = new TemplateStore(file, versions, limits);
  for (const name of names) {
    expect(store.get(`key-${name}`)).toBeUndefined();
    store.add(`key-${name}`, template(name));
  }
  store.save();
  return store;
}

function keysIn(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.slice(1, -1).filter((_line, index) => index % 2 === 0);
}

describe('TemplateStore', () => {
  it('names its file after the bundle and both compilers', () => {
    expect(templateStoreName('/x/render-ABC.cjs', VERSIONS)).toBe('/x/render-ABC.cjs.vega-6.4.0.vega-lite-6.4.3.templates.jsonl');
  });

  it('gives the next process what one added, equal in every character; an undefined JSON stays undefined', () => {
    const file = storeFile();
    const first = new TemplateStore(file, VERSIONS);
    expect(first.get('a')).toBeUndefined();
    first.add('a', template('a'));
    first.add('not exact', { jsonPieces: undefined, warnings: [] });
    expect(first.save()).toBe(true);
    const next = new TemplateStore(file, VERSIONS);
    expect(next.get('a')).toEqual(template('a'));
    expect(next.get('not exact')).toEqual({ jsonPieces: undefined, warnings: [] });
    expect(next.get('b')).toBeUndefined();
    // Nothing new: the file is left as it is.
    expect(next.save()).toBe(false);
  });

  it('adds to what the file holds when it saves, not to what it held when read', () => {
    const file = storeFile();
    const early = new TemplateStore(file, VERSIONS);
    expect(early.get('key-a')).toBeUndefined();
    saveTemplates(file, ['b']);
    early.add('key-a', template('a'));
    early.save();
    expect(keysIn(file)).toEqual(['key-b', 'key-a']);
    expect(new TemplateStore(file, VERSIONS).get('key-b')).toEqual(template('b'));
  });

  it('does not use a file that is not JSON lines, truncated, or of another shape, and rewrites it', () => {
    const whole = storeFile();
    saveTemplates(whole, ['a', 'b']);
    const text = readFileSync(whole, 'utf8');
    const damaged = [
      'not a store at all\n',
      text.slice(0, Math.floor(text.length / 2)),
      text.slice(0, -1),
      '{"format":"fleetsim-chart-templates/1","vega":6}\n',
      '',
    ];
    for (const content of damaged) {
      const file = storeFile();
      writeFileSync(file, content);
      const store = new TemplateStore(file, VERSIONS);
      expect(store.get('key-a'), JSON.stringify(content.slice(0, 40))).toBeUndefined();
      expect(store.save()).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(`${text.split('\n')[0]}\n`);
    }
  });

  it('does not use a damaged template, keeps the others, and leaves it out when it rewrites the file', () => {
    const file = storeFile();
    saveTemplates(file, ['a', 'b', 'c']);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[4] = '["not", "a body"';
    writeFileSync(file, lines.join('\n'));
    const store = new TemplateStore(file, VERSIONS);
    expect(store.get('key-a')).toEqual(template('a'));
    expect(store.get('key-b')).toBeUndefined();
    expect(store.get('key-c')).toEqual(template('c'));
    expect(store.save()).toBe(true);
    expect(keysIn(file)).toEqual(['key-a', 'key-c']);
  });

  it('does not use a file of other compilers or another format, and rewrites it for its own', () => {
    const file = storeFile();
    saveTemplates(file, ['a'], { vega: '6.3.0', vegaLite: '6.4.3' });
    const store = new TemplateStore(file, VERSIONS);
    expect(store.get('key-a')).toBeUndefined();
    store.add('key-b', template('b'));
    store.save();
    expect(keysIn(file)).toEqual(['key-b']);
    expect(JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!)).toEqual({ format: 'fleetsim-chart-templates/1', ...VERSIONS });
    expect(new TemplateStore(file, { vega: '6.3.0', vegaLite: '6.4.3' }).get('key-b')).toBeUndefined();
    writeFileSync(file, readFileSync(file, 'utf8').replace('fleetsim-chart-templates/1', 'fleetsim-chart-templates/0'));
    expect(new TemplateStore(file, VERSIONS).get('key-b')).toBeUndefined();
  });

  it('keeps at most its entries and bytes, the oldest out first', () => {
    const file = storeFile();
    saveTemplates(file, ['a', 'b'], VERSIONS, { maxEntries: 3 });
    saveTemplates(file, ['c', 'd'], VERSIONS, { maxEntries: 3 });
    expect(keysIn(file)).toEqual(['key-b', 'key-c', 'key-d']);
    const entryBytes = 'key-e'.length + JSON.stringify([template('e').jsonPieces, template('e').warnings]).length;
    saveTemplates(file, ['e'], VERSIONS, { maxBytes: 2 * entryBytes });
    expect(keysIn(file)).toEqual(['key-d', 'key-e']);
    saveTemplates(file, ['f'], VERSIONS, { maxBytes: entryBytes - 1 });
    expect(keysIn(file)).toEqual([]);
  });

  it('is written whole by processes exiting together: every one reads a whole file, and a template added at exit is there', async () => {
    const file = storeFile();
    /** A process that adds its templates, then saves at exit as `openTemplateStore` arranges, 20 times over. */
    const writer = (name: string): Promise<number | null> => new Promise((resolve, reject) => {
      const script = `import { readFileSync } from 'node:fs';
import { openTemplateStore, TemplateStore } from ${JSON.stringify(STORE_MODULE)};
const [file, name] = process.argv.slice(1);
const template = (i) => ({ jsonPieces: ['{"n":"' + name + i + '","t":"', '0', '"}' + 'x'.repeat(20000)], warnings: [] });
for (let round = 0; round < 20; round++) {
  // What a reader finds is a whole file: a header, pairs of lines whose bodies parse, a last line break.
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch {}
  const lines = text.split('\\n');
  if (text !== '' && (!text.endsWith('\\n') || lines.length % 2 !== 0 || lines.slice(2, -1).some((line, i) => i % 2 === 0 && !Array.isArray(JSON.parse(line))))) process.exit(4);
  const store = new TemplateStore(file, { vega: '6.4.0', vegaLite: '6.4.3' });
  for (let i = 0; i < 5; i++) if (store.get(name + round + '-' + i) === undefined) store.add(name + round + '-' + i, template(i));
  if (store.get('no such key') !== undefined) process.exit(3);
  store.save();
}
const last = openTemplateStore(file, { vega: '6.4.0', vegaLite: '6.4.3' });
last.get('final');
last.add(name + '-final', template(9));`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, file, name], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`writer ${name} exited ${code}: ${stderr}`))));
    });
    expect(await Promise.all(['p', 'q', 'r'].map(writer))).toEqual([0, 0, 0]);
    const keys = keysIn(file);
    // Every file read was whole (exit 4 otherwise), and a last writer's template is there.
    expect(keys.filter((key) => key.endsWith('-final')).length).toBeGreaterThanOrEqual(1);
    const store = new TemplateStore(file, VERSIONS);
    for (const key of keys) expect(store.get(key)?.jsonPieces?.[0]).toMatch(/^\{"n":"[pqr]/);
    expect(store.save()).toBe(false);
  });
});
