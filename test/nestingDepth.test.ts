/**
 * The nesting scan that runs before a parser builds a file's lists and maps: a file nested
 * {@link MAX_NESTING_DEPTH} deep passes, one level more is caught, and only lists and maps count
 * (brackets in strings, scalars and comments do not).
 */
import { describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH, YAML_SCAN_FROM_CHARS, jsonNestingOver, yamlNestingOver } from '../src/nestingDepth.js';

/** A comment line that takes a YAML text past the length from which it is scanned. */
const PADDING = `#${'x'.repeat(YAML_SCAN_FROM_CHARS)}\n`;

describe('jsonNestingOver', () => {
  it(`passes lists and objects nested ${MAX_NESTING_DEPTH} deep and catches one level more`, () => {
    const nested = (depth: number): string => `${'[{"a":'.repeat(depth / 2)}1${'}]'.repeat(depth / 2)}`;
    expect(jsonNestingOver(nested(MAX_NESTING_DEPTH))).toBe(false);
    expect(jsonNestingOver(`[${nested(MAX_NESTING_DEPTH)}]`)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingOver(JSON.stringify({ text: '['.repeat(1000), quoted: '"[[[[' + '{'.repeat(100) }))).toBe(false);
  });
});

describe('yamlNestingOver', () => {
  it(`passes flow collections nested ${MAX_NESTING_DEPTH} deep and catches one level more`, () => {
    const flow = (depth: number): string => `${PADDING}a: ${'['.repeat(depth)}1${']'.repeat(depth)}\n`;
    expect(yamlNestingOver(flow(MAX_NESTING_DEPTH))).toBe(false);
    expect(yamlNestingOver(flow(MAX_NESTING_DEPTH + 1))).toBe(true);
    expect(yamlNestingOver(`${PADDING}${'{a: '.repeat(MAX_NESTING_DEPTH + 1)}`)).toBe(true);
  });

  it('counts block collections opened on one line, with the flow ones inside them', () => {
    expect(yamlNestingOver(`${PADDING}${'- '.repeat(MAX_NESTING_DEPTH)}x\n`)).toBe(false);
    expect(yamlNestingOver(`${PADDING}${'- '.repeat(MAX_NESTING_DEPTH + 1)}x\n`)).toBe(true);
    expect(yamlNestingOver(`${PADDING}${'? '.repeat(MAX_NESTING_DEPTH + 1)}x\n`)).toBe(true);
    expect(yamlNestingOver(`${PADDING}${'- '.repeat(MAX_NESTING_DEPTH - 1)}[[x]]\n`)).toBe(true);
  });

  it('does not count brackets in plain and quoted scalars or comments, nor lines of block items', () => {
    const brackets = '['.repeat(200);
    const text = `${PADDING}a: it's ${brackets}\nb: "${brackets}"\nc: '${brackets}' # ${brackets}\n${'- x\n'.repeat(200)}`;
    expect(yamlNestingOver(text)).toBe(false);
  });

  it(`leaves a text shorter than ${YAML_SCAN_FROM_CHARS} characters to the parser`, () => {
    expect(yamlNestingOver('['.repeat(YAML_SCAN_FROM_CHARS - 1))).toBe(false);
    expect(yamlNestingOver('['.repeat(YAML_SCAN_FROM_CHARS))).toBe(true);
  });
});
