/**
 * What built JavaScript modules import, read from their text: the specifiers of their static
 * imports and re-exports, dynamic `import()` calls and `require` calls, and the packages those
 * name (type-only imports of declaration files included). Shared by the package's install test
 * (every module of the tarball needs only its dependencies) and the entries' test (what
 * `fleetsim/engine` and its declarations can reach).
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';

/** A package specifier: a name (scoped or not) and an optional path inside it. */
const PACKAGE_SPECIFIER = /^((?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*)(?:\/.*)?$/;
/** `from '…'`, `import('…')`, `require('…')` and a bare `import '…'`. */
const SPECIFIER = /\b(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)(["'])([^"'\n]+)\1/g;
const BUILTINS = new Set(builtinModules);

/** The module specifiers `source` (a module's text) names in its imports, in order. */
export function importSpecifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((match) => match[2]!);
}

/** The package `specifier` names (`vega-lite` for `vega-lite/build/…`), or undefined for a relative path or one of Node's built-ins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:')) return undefined;
  const name = PACKAGE_SPECIFIER.exec(specifier)?.[1];
  return name === undefined || BUILTINS.has(name) ? undefined : name;
}

/**
 * Every module reachable from the module at path `entry` through relative imports, static or
 * dynamic (a dynamic one counts: it is loaded once its code runs), `entry` included, as absolute
 * paths; and the packages those modules import. `fileOf` maps the path a relative specifier
 * names to the file to read: for declaration files, `x.js` to `x.d.ts`.
 */
export function reachableModules(entry: string, fileOf: (path: string) => string = (path) => path): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (path: string): void => {
    if (modules.has(path)) return;
    modules.add(path);
    for (const specifier of importSpecifiers(readFileSync(path, 'utf8'))) {
      if (specifier.startsWith('.')) visit(fileOf(resolve(dirname(path), specifier)));
      else {
        const name = packageOf(specifier);
        if (name !== undefined) packages.add(name);
      }
    }
  };
  visit(resolve(entry));
  return { modules, packages };
}
