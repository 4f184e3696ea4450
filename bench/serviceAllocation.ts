/**
 * Micro-benchmark of the service's allocation per task, in two parts:
 *
 * - heap bytes allocated per validated body, by the zod schema alone and through its fast path
 *   (src/live/service/fastBodies.ts), for the bodies the live bench sends per task (a submission
 *   as `bench-n` sends it, a multiplexed poll's `finished` report) and fuller ones;
 * - heap bytes allocated per task by the task registry (src/live/service/taskRegistry.ts) folding
 *   the events of a task the live bench runs (submitted, assigned, running, completed) and
 *   freezing it when it settles (a frozen task's JSON is outside the heap), and the bytes it keeps
 *   per task in flight, on the heap and outside it (a live task's history is bytes outside the
 *   heap, src/live/service/liveHistories.ts). `--registry-from DIR`
 *   measures the registry of another build (DIR: its `dist`, e.g. /work/main/dist) for A/B.
 *
 * Run with `node --expose-gc --max-semi-space-size=64 dist/bench/serviceAllocation.js [--json]`.
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
import type { AgentView } from '../src/engine/agent.js';
import type { EngineEvent } from '../src/engine/messages.js';
import type { TaskSpec, TaskState, TaskView } from '../src/engine/task.js';
import type { TaskRegistry, TaskRegistryLimits } from '../src/live/service/taskRegistry.js';
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

const registryAt = process.argv.indexOf('--registry-from');
const registryFrom = registryAt >= 0 ? `${process.argv[registryAt + 1]!}/src/live/service/taskRegistry.js` : '../src/live/service/taskRegistry.js';
const registryModule = (await import(registryFrom.startsWith('/') ? `file://${registryFrom}` : registryFrom)) as { TaskRegistry: new (limits: TaskRegistryLimits) => TaskRegistry };

/** The events of a task the live bench runs, with views as the engine hands them out. */
function lifecycle(n: number, time: number): EngineEvent[] {
  const spec: TaskSpec = { id: `bench-${n}`, type: 'job', priority: 2, tokens: 100, contextTokens: 0 };
  const agent = { spec: { id: `agent-${n % 100}` } } as unknown as AgentView;
  const view = (state: TaskState, attempt: number): TaskView => ({ spec, state, attempt }) as unknown as TaskView;
  return [
    { kind: 'submitted', time, task: view('queued', 0) },
    { kind: 'transition', time: time + 0.0004, task: view('assigned', 1), from: 'queued', to: 'assigned', attempt: 1, agent },
    { kind: 'transition', time: time + 0.0009, task: view('running', 1), from: 'assigned', to: 'running', attempt: 1, agent },
    { kind: 'transition', time: time + 0.2, task: view('completed', 1), from: 'running', to: 'completed', attempt: 1, agent, quality: 1 },
  ];
}

// Settled tasks remembered as the service's default; past them, every task settled forgets one.
const registry = new registryModule.TaskRegistry({ settledTasks: 10_000, historyEvents: 50 });
const events = Array.from({ length: CALLS }, (_, n) => lifecycle(n, n * 0.001));
let task = 0;
const fold = (): unknown => {
  for (const event of events[task++ % CALLS]!) registry.observe(event);
  return registry;
};
for (let i = 0; i < 20_000; i++) fold();
const registryBytes = await bytesPerCall(fold);

/**
 * What the registry keeps per task in flight, on the heap (what every scavenge it survives copies)
 * and outside it: the growth of `heapUsed` and `arrayBuffers` between full collections around
 * folding the first three events (submitted, assigned, running) of {@link IN_FLIGHT} tasks,
 * divided by their count. Each task's events are made as it is folded and dropped after (made
 * beforehand, they shrank under the fold and the growth came out negative), so the task's spec,
 * which the registry keeps, is counted too.
 */
const IN_FLIGHT = 50_000;
const inFlight = new registryModule.TaskRegistry({ settledTasks: 10_000, historyEvents: 50 });
// Collected until nothing more goes: what earlier parts left behind is not counted as freed here.
for (let i = 0; i < 4; i++) gc();
const before = process.memoryUsage();
for (let n = 0; n < IN_FLIGHT; n++) for (const event of lifecycle(CALLS + n, n * 0.001 + 0.0001).slice(0, 3)) inFlight.observe(event);
for (let i = 0; i < 4; i++) gc();
const after = process.memoryUsage();
const keptPerTask = { heap: (after.heapUsed - before.heapUsed) / IN_FLIGHT, offHeap: (after.arrayBuffers - before.arrayBuffers) / IN_FLIGHT, live: inFlight.size };

if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ benchmark: 'service allocation, heap bytes', bodies: rows, registry: { allocatedPerTask: Math.round(registryBytes), keptPerTaskInFlight: Math.round(keptPerTask.heap), keptOffHeapPerTaskInFlight: Math.round(keptPerTask.offHeap) } })}\n`);
} else {
  process.stdout.write('body validation: heap bytes allocated per call (median of rounds without a collection)\n');
  for (const row of rows) process.stdout.write(`  ${row.body.padEnd(24)} zod ${String(row.zodBytes).padStart(6)} B   fast path ${String(row.fastBytes).padStart(5)} B   (JSON.parse of the body: ${row.parsedBytes} B)\n`);
  process.stdout.write(`task registry (${registryFrom}): ${Math.round(registryBytes)} B allocated per task (4 events, frozen when settled)\n`);
  process.stdout.write(`task registry: ${Math.round(keptPerTask.heap)} B kept on the heap and ${Math.round(keptPerTask.offHeap)} B outside it per task in flight (${keptPerTask.live} tasks, 3 events each)\n`);
}
