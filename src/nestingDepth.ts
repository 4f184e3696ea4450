/**
 * How deep a file's lists and maps nest, checked before a parser builds them. Parsers pay for
 * depth in time and memory (1 MiB of `[` took the YAML parser 5 s and 1 GB before it gave up,
 * and JSON.parse 32 s and 6.5 GB for 128 MiB of it), and no file fleetsim reads nests deeper
 * than 10, so a file past {@link MAX_NESTING_DEPTH} is refused after a scan that stops there.
 */
import { CST, Lexer, type YAMLError } from 'yaml';

/** Deepest nesting of lists and maps read (fleetsim's own files nest at most 10 deep). */
export const MAX_NESTING_DEPTH = 64;

/**
 * YAML text shorter than this is parsed without the scan: at most 64 KiB of nesting costs the
 * parser about 0.3 s, and the library's scenarios are at most 12 KB.
 */
export const YAML_SCAN_FROM_CHARS = 64 * 1024;

/**
 * Whether JSON `text` opens more than `limit` lists and objects one inside another (brackets in
 * strings not counted).
 */
export function jsonNestingOver(text: string, limit: number = MAX_NESTING_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether YAML `text` nests more than `limit` deep in the two ways a short file can: flow
 * collections (`[[[…`, `{a: {b: …`) and block collections opened on one line (`- - - x`,
 * `? ? x`). Tokens are YAML's own lexer's, so brackets in scalars and comments do not count.
 * Nesting by indentation needs a line per level and so is bounded by the file's size.
 * Texts under {@link YAML_SCAN_FROM_CHARS} are not scanned. What the scan lets through and is
 * still deep enough to exhaust the parser's stack, {@link yamlNestedTooDeep} recognises.
 */
export function yamlNestingOver(text: string, limit: number = MAX_NESTING_DEPTH): boolean {
  if (text.length < YAML_SCAN_FROM_CHARS) return false;
  let flowDepth = 0;
  let blockOnLine = 0;
  for (const token of new Lexer().lex(text)) {
    switch (CST.tokenType(token)) {
      case 'flow-seq-start':
      case 'flow-map-start':
        if (++flowDepth + blockOnLine > limit) return true;
        break;
      case 'flow-seq-end':
      case 'flow-map-end':
        flowDepth--;
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
        if (flowDepth + ++blockOnLine > limit) return true;
        break;
      case 'newline':
        blockOnLine = 0;
        break;
      default:
        break;
    }
  }
  return false;
}

/**
 * Whether a YAML parser error is its stack running out: nesting by indentation, or under
 * {@link YAML_SCAN_FROM_CHARS} of brackets, is not scanned for and so reaches the parser, whose
 * own message ("Maximum call stack size exceeded") says nothing of the file.
 */
export function yamlNestedTooDeep(problem: YAMLError): boolean {
  return problem.code === 'RESOURCE_EXHAUSTION';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
