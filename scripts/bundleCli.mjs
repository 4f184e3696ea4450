/**
 * Bundles the command line after `tsc` (part of `npm run build`): dist/src/cli/main.js, the
 * `bin`, becomes one file holding the code every command needs at start-up, with each command's
 * own code in chunks beside it loaded when the command runs, and the experiment pool's worker
 * bundled beside them (dist/src/cli/worker.js, found by the pool as `./worker.js`). Node then
 * resolves and compiles a handful of files instead of ~300 modules: see docs/ARCHITECTURE.md,
 * "Speed" (start-up). The library (dist/src/index.js) and the other modules stay as tsc wrote them.
 *
 * Packages that locate files beside themselves at run time (native code, worker scripts), or
 * that only a command loads lazily, stay external and are loaded from node_modules.
 */
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/src/cli`;

// Chunks of an earlier build would otherwise accumulate (their names carry a content hash).
if (existsSync(outdir)) for (const file of readdirSync(outdir)) if (file.startsWith('chunk-')) rmSync(`${outdir}/${file}`);

await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', worker: 'src/experiments/worker.ts', processor: 'src/distributed/processor.ts' },
  outdir,
  // Chunks in the entry's own directory, so that paths taken relative to a module
  // (package.json three levels up, ./worker.js) mean the same from any of them.
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['piscina', 'fastify', '@fastify/*', '@resvg/resvg-js', 'vega', 'vega-lite', 'bullmq', 'ioredis'],
  // CommonJS packages inside an ES module bundle call require for Node built-ins.
  banner: { js: "import { createRequire as __fleetsimRequire } from 'node:module'; const require = __fleetsimRequire(import.meta.url);" },
  logLevel: 'warning',
});
