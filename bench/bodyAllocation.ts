/**
 * Micro-benchmark: heap bytes allocated per validated body, by the zod schema alone and through
 * its fast path (src/live/service/fastBodies.ts), for the bodies the live bench sends per task
 * (a submission as `bench-n` sends it, a multiplexed poll's `finished` report) and a fuller
 * submission. Run with `node --expose-gc --max-semi-space-size=64 dist/bench/bodyAllocation.js [--json]`.
 *
 * How: with a young generation large enough that no collection runs during a round (checked:
 * a round with a collection is measured again), the growth of `process.memoryUsage().heapUsed`
 * over a round of calls, divided by the calls; the median of the rounds. Allocation, not time,
 * is what is compared: it does not depend on what else the machine runs.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { agentReportItem } from '../src/live/service/batchRoutes.js';
import { parseRequest, taskBody, type FastPath } from '../src/live/service/bodies.js';
import { fastAgentReportItem, fastTaskBody } from '../src/live/service/fastBodies.js';
import type { z } from 'zod';

const CALLS = 2_000;
const ROUNDS = 9;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('run with node --expose-gc\n');
  process.exit(2);
}

let collections = 0;
new PerformanceObserver((list) => {
  collections += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

/** Bytes allocated per call of `run`, the median of rounds without a collection. */
async function bytesPerCall(run: () => unknown): Promise<number> {
  const perCall: number[] = [];
  let sink: unknown;
  for (let i = 0; i < CALLS; i++) sink = run();
  while (perCall.length < ROUNDS) {
    gc!();
    // The observer hears of a collection a few milliseconds later.
    await settle();
    const before = collections;
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < CALLS; i++) sink = run();
    const heapAfter = process.memoryUsage().heapUsed;
    await settle();
    if (collections === before) perCall.push((heapAfter - heapBefore) / CALLS);
  }
  if (sink === undefined) throw new Error('nothing parsed');
  return perCall.sort((a, b) => a - b)[ROUNDS >> 1]!;
}

const bodies: readonly { readonly name: string; readonly schema: z.ZodType; readonly fast: FastPath<unknown>; readonly raw: () => unknown }[] = [
  { name: 'submission (bench)', schema: taskBody, fast: fastTaskBody, raw: () => JSON.parse('{"id":"bench-123456","type":"job","tokens":100}') as unknown },
  {
    name: 'submission (full)', schema: taskBody, fast: fastTaskBody,
    raw: () => JSON.parse('{"id":"t-1","type":"code","tokens":1200,"priority":3,"deadline":30,"dependsOn":["t-0"],"contextKey":"repo","contextTokens":300,"tags":["a","b"],"tenant":"acme","maxRetries":2,"timeoutSeconds":60,"ttlSeconds":600}') as unknown,
  },
  {
    name: 'submission (no defaults)', schema: taskBody, fast: fastTaskBody,
    raw: () => JSON.parse('{"id":"bench-123456","type":"job","tokens":100,"priority":2,"contextTokens":0}') as unknown,
  },
  { name: 'poll report (finished)', schema: agentReportItem, fast: fastAgentReportItem, raw: () => JSON.parse('{"agent":"agent-17","task":"bench-123456","attempt":1,"finished":{"ok":true,"quality":1}}') as unknown },
];

const rows: { body: string; zodBytes: number; fastBytes: number; parsedBytes: number }[] = [];
for (const { name, schema, fast, raw } of bodies) {
  // Validation does not change its input: one value serves every call, so only validation
  // allocates; what JSON.parse of the body allocates is shown beside it.
  const value = raw();
  const parsedBytes = await bytesPerCall(raw);
  const zodBytes = await bytesPerCall(() => parseRequest(schema, value, 'body'));
  const fastBytes = await bytesPerCall(() => parseRequest(schema, value, 'body', fast));
  rows.push({ body: name, zodBytes: Math.round(zodBytes), fastBytes: Math.round(fastBytes), parsedBytes: Math.round(parsedBytes) });
}

if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ benchmark: 'body validation, heap bytes per call', rows })}\n`);
else {
  process.stdout.write('body validation: heap bytes allocated per call (median of rounds without a collection)\n');
  for (const row of rows) process.stdout.write(`  ${row.body.padEnd(24)} zod ${String(row.zodBytes).padStart(6)} B   fast path ${String(row.fastBytes).padStart(5)} B   (JSON.parse of the body: ${row.parsedBytes} B)\n`);
}
