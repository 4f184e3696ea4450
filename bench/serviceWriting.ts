/**
 * Micro-benchmark of what the service writes per task, for instruction counts: a fixed sequence
 * of tasks as the live bench runs them (~1,000 in flight), each task's write-ahead log lines
 * (`submit`, `started`, `finished`), its five events-file lines (`submitted`, then its
 * transitions to queued, assigned, running and completed) and the task registry's fold of the
 * same events (its history, and its frozen JSON when it settles), all into in-memory buffers.
 * No clock, no I/O, no randomness: the same arguments run the same instructions, so a build's
 * cost is read under callgrind, which a machine shared with other work does not disturb:
 *
 * ```text
 * valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *   node --single-threaded dist/bench/serviceWriting.js [--tasks N] [--from DIST]
 * ```
 *
 * (the difference between `--tasks N` and `--tasks 10` is the cost of N tasks). `--from DIST`
 * runs the writers of another build (its `dist` directory) for A/B; `--dump` prints the bytes
 * written (the log's and events file's lines, then one settled task's registry entry) instead
 * of a summary, for comparing two builds' output with `cmp`.
 */
import type { AgentView } from '../src/engine/agent.js';
import type { EngineEvent, EngineInput } from '../src/engine/messages.js';
import type { TaskSpec, TaskState, TaskView } from '../src/engine/task.js';
import type { LineBuffer } from '../src/live/lineBuffer.js';
import type { TaskRegistry, TaskRegistryLimits } from '../src/live/service/taskRegistry.js';

/** Tasks in flight between a task's start and its finish, as in the live bench. */
const IN_FLIGHT = 1_000;
/** Bytes a buffer holds before it is counted and cleared (as a group write would). */
const FLUSH_BYTES = 1 << 20;

const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const tasks = Number(flag('--tasks') ?? 50_000);
if (!Number.isSafeInteger(tasks) || tasks < 1) {
  process.stderr.write(`--tasks takes a positive integer, got ${flag('--tasks') ?? 'nothing'}\n`);
  process.exit(2);
}
const fromDist = flag('--from');
const dump = process.argv.includes('--dump');

/** A module of this build, or of the build at `--from`. */
async function load<T>(path: string): Promise<T> {
  return (await import(fromDist === undefined ? `../src/${path}` : `file://${fromDist}/src/${path}`)) as T;
}

const { appendEntry } = await load<{ appendEntry: (lines: LineBuffer, seq: number, input: EngineInput) => void }>('live/walFormat.js');
const { appendEventLine } = await load<{ appendEventLine: (lines: LineBuffer, event: EngineEvent) => void }>('live/eventLine.js');
const { LineBuffer: Lines } = await load<{ LineBuffer: new () => LineBuffer }>('live/lineBuffer.js');
const { TaskRegistry: Registry } = await load<{ TaskRegistry: new (limits: TaskRegistryLimits) => TaskRegistry }>('live/service/taskRegistry.js');

const wal = new Lines();
const eventLines = new Lines();
// The service's defaults: past 10,000 settled tasks, every task settled forgets one.
const registry = new Registry({ settledTasks: 10_000, historyEvents: 50 });
const agents = Array.from({ length: 100 }, (_, i) => ({ spec: { id: `agent-${i}` } }) as unknown as AgentView);
let seq = 0;
let bytesWritten = 0;

/** A task of the sequence: its spec, the view the engine would hand out, and its number. */
interface BenchTask {
  readonly spec: TaskSpec;
  readonly view: { spec: TaskSpec; state: TaskState; attempt: number; seq: number };
  readonly n: number;
}

/** Task `n`'s submission time, seconds: fractions, as the service's clock gives. */
const submittedAt = (n: number): number => 1.5 + n * 0.000203117;

function event(value: EngineEvent): void {
  appendEventLine(eventLines, value);
  eventLines.newline();
  registry.observe(value);
}

function transition(task: BenchTask, time: number, from: TaskState, to: TaskState, fields: Partial<EngineEvent & { kind: 'transition' }> = {}): void {
  task.view.state = to;
  event({ kind: 'transition', time, task: task.view as unknown as TaskView, from, to, attempt: task.view.attempt, ...fields } as EngineEvent);
}

function submit(n: number): BenchTask {
  const spec: TaskSpec = { id: `bench-${n}-${((n * 2654435761) >>> 0).toString(16)}`, type: 'job', priority: 2, tokens: 100, contextTokens: 0 };
  const task: BenchTask = { spec, view: { spec, state: 'queued', attempt: 0, seq: n }, n };
  const now = submittedAt(n);
  appendEntry(wal, ++seq, { kind: 'submit', now, task: spec });
  event({ kind: 'submitted', time: now, task: task.view as unknown as TaskView });
  transition(task, now, 'created', 'queued');
  return task;
}

function assignAndStart(task: BenchTask): void {
  const agent = agents[task.n % agents.length]!;
  task.view.attempt = 1;
  transition(task, submittedAt(task.n) + 0.000437, 'queued', 'assigned', { agent, priorityRespected: true, setupTokens: 0 });
  const now = submittedAt(task.n) + 0.0019;
  appendEntry(wal, ++seq, { kind: 'started', now, taskId: task.spec.id, attempt: 1, report: { setupTokens: 0, contextHit: null } });
  transition(task, now, 'assigned', 'running', { agent, setupTokens: 0, contextHit: false });
}

function finish(task: BenchTask): void {
  const now = submittedAt(task.n) + 0.2031;
  appendEntry(wal, ++seq, { kind: 'finished', now, taskId: task.spec.id, attempt: 1, outcome: { ok: true, quality: 0.8125 } });
  transition(task, now, 'running', 'completed', { agent: agents[task.n % agents.length]!, quality: 0.8125 });
}

const inFlight: BenchTask[] = [];
let oldest = 0;
for (let n = 0; n < tasks + IN_FLIGHT; n++) {
  if (n < tasks) {
    const task = submit(n);
    assignAndStart(task);
    inFlight.push(task);
  }
  if (inFlight.length - oldest > IN_FLIGHT || (n >= tasks && oldest < inFlight.length)) finish(inFlight[oldest++]!);
  if (!dump) {
    for (const lines of [wal, eventLines]) {
      if (lines.length > FLUSH_BYTES) {
        bytesWritten += lines.length;
        lines.clear();
      }
    }
  }
}

if (dump) {
  process.stdout.write(wal.view(0));
  process.stdout.write(eventLines.view(0));
  process.stdout.write(`${JSON.stringify(registry.get(inFlight[Math.min(7, tasks - 1)]!.spec.id))}\n`);
} else {
  process.stdout.write(`${tasks} tasks: ${bytesWritten + wal.length + eventLines.length} bytes of log and events lines, ${registry.size} tasks in the registry\n`);
}
