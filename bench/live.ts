/**
 * The live service's speed: `fleetsim serve` (HTTP API, durable write-ahead log with fsync on)
 * with 100 emulated agents polling it over HTTP and about 1,000 tasks in flight at once.
 *
 * The bench starts `fleetsim serve` as a child process on a fresh data directory, registers the
 * scenario's 100 agents (20 slots each: 2,000 slots for ~1,000 concurrent tasks, so no task ever
 * waits for a free agent and what is measured is fleetsim's own overhead), and runs every agent
 * as a loop of long polls (`POST /v1/agents/{id}/poll?wait=1`; the next poll is sent before the
 * commands of the last one are handled) in a worker thread (bench/liveAgents.ts), the
 * submissions in this one. On a `start` command the agent reports `started`, holds the task for
 * its hold time, and reports `finished`.
 *
 * - Submit-to-start latency of a task: from the moment its `POST /v1/tasks` is sent to the moment
 *   the poll that carries its `start` command has been read by the agent. Both points are taken
 *   as close to the socket as the bench can: sent = when the request (in the batched modes, the
 *   batch's request: one time for all its tasks) is handed to the HTTP client (undici's
 *   `Pool.dispatch`, bench/liveClient.ts), read = when undici's parser has read the answer's
 *   last bytes (its `onComplete`), before the bench parses it. The agent's own time
 *   (service time, its reports) is not in it; what is in it is all fleetsim's: HTTP and JSON both
 *   ways, validation, the engine's decision, the group commit that makes the submission durable
 *   (the start it causes is handed out only then), the poll's answer.
 *   The submission's own round trip (sent to its answer's last bytes read) is recorded beside it.
 *   What the bench spends per task is kept small (no object, closure or timer of its own per
 *   task: send times in typed arrays indexed by the task's number, batch bodies written as
 *   text), since its threads share the two cores with the service and their pauses count in
 *   the figure.
 * - Phases at a fixed offered rate (open loop: submissions are sent on schedule whether or not
 *   earlier ones were answered, so a slow service shows as latency, not as a slower client),
 *   each task held for 1,000 ÷ rate seconds so that ~1,000 tasks are in flight at every rate.
 *   A phase is sustained when the submissions answered in its window reach 98% of those offered
 *   and no more than `MAX_OUTSTANDING` were ever in flight.
 *   The throughput verdict credits an open loop sustained at an offered rate at or above the
 *   target with that rate (its window's count falls short of the offered one by the tasks in
 *   flight at its end), any other sustained phase with what it answered ({@link throughputVerdict}).
 * - A closed-loop phase for the most the service sustains: 1,000 tasks kept in flight, each held
 *   for no time, a new one submitted as soon as one is finished.
 * - Every phase in three request modes: *single*, one request per task and step (`POST /v1/tasks`,
 *   `…/started`, `…/finished`); *batched*, the submissions due in one event-loop turn in one
 *   `POST /v1/tasks/batch`, and each agent's finishes of one poll answer in one
 *   `POST /v1/agents/{id}/reports` (no `started`: the service counts the start as unobserved);
 *   *multiplexed*, submissions batched and the agents' worker speaking for all 100 agents at
 *   once, as a process hosting many agents would: two long-polls `POST /v1/agents/poll` listing
 *   every agent, the finishes riding on the re-poll after a poll answer (or in one
 *   `POST /v1/agents/poll?wait=0` when no answer comes within 2 ms).
 *
 * Beside the figures: CPU seconds used by the service process (from /proc) and by this process
 * (the load generator and the agents' worker), HTTP requests per task, this process's event-loop
 * delay and the machine's load, so that a slow figure can be laid at
 * the right door; and the same load in-process without HTTP (bench/liveLayers.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, getPriority, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseScenario } from '../src/scenario/load.js';
import type { AgentsMode, AgentsWorkerData, FromAgents, ToAgents } from './liveAgents.js';
import { Client } from './liveClient.js';
import { parseGcTraceLine, SCAVENGE_PHASES, summarizeGcTrace, type GcTraceEntry, type GcTraceSummary } from './gcTrace.js';
import { lastDataOffset } from '../src/live/walPreallocation.js';
import { planV8Pool, withV8PoolSize } from '../src/live/v8PoolSize.js';
import { formatLayers, measureDiskSync, measureLayers, type LayerRow } from './liveLayers.js';
import { ProgressRing, progressBuffer } from './liveProgress.js';
import { quantiles, type Quantiles } from './liveStats.js';
import type { LatencyReport } from '../src/live/service/latencyProbe.js';

/** Emulated agents and slots per agent. */
const AGENTS = 100;
const SLOTS_PER_AGENT = 20;
/** Tasks in flight the bench aims at (open loop: via the hold time; closed loop: exactly). */
const CONCURRENT_TASKS = 1_000;
/** Beyond this many submitted and not yet finished tasks, an open-loop phase stops sending. */
const MAX_OUTSTANDING = 4 * CONCURRENT_TASKS;
/** Offered rates of the open-loop phases, submissions per second. */
const RATES = [1_000, 2_500, 5_000] as const;
const WARMUP_SECONDS = 2;
const MEASURE_SECONDS = 8;
/**
 * Slots of the bench's record of send times (a power of two): far more than the
 * {@link MAX_OUTSTANDING} tasks that can be waiting for their start at once.
 */
const SENT_SLOTS = 1 << 16;
const SENT_MASK = SENT_SLOTS - 1;
/** The JSON of submission `bench-n` (what `JSON.stringify({ id, type: 'job', tokens: 100 })` gives). */
function taskJson(n: number): string {
  return `{"id":"bench-${n}","type":"job","tokens":100}`;
}
/** Most submissions in one batch request (the service's limit). */
const MAX_BATCH = 1_000;
/** Connections of the submitter (one request at a time each; at 5,000/s batched, two or three are busy at once). */
const SUBMITTER_CONNECTIONS = 64;
/** How often the main thread drains what the agents' worker wrote in shared memory (bench/liveProgress.ts), ms: Node's timer granularity. */
const PROGRESS_DRAIN_MS = 1;
/** Long-poll wait of the agents, seconds. */
const POLL_WAIT_SECONDS = 1;

/**
 * The nice value the bench's own threads run at while they measure (default of
 * {@link LiveBenchOptions.clientNice}): the load generator (this thread) and the agents' worker.
 * They share the service's cores, and a service thread that wakes while they run waits for a
 * core, which a load generator on another host would not make it do; at a lower priority the
 * scheduler lets the service's threads go first. Conservative for the figure: what a client's
 * delay can add lies inside the measured span (the agents' reading of a start is its end), and a
 * delay before a submission is sent starts its clock later only as at nice 0. On a machine
 * busy with other processes at nice 0 the lowered threads are starved and may not offer the
 * rate (the phase then reads not sustained): `--client-nice 0` there.
 */
export const CLIENT_NICE = 10;
/** Request modes measured by default, in this order. */
export const LIVE_MODES: readonly AgentsMode[] = ['single', 'batched', 'multiplexed'];
/** The issue's target. */
export const TARGET = { p99Ms: 5, submissionsPerSecond: 5_000 } as const;

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** The scenario served: 100 identical agents; the workload is ignored by `serve`. */
export function liveBenchScenario(): string {
  return `name: live-bench
description: 100 emulated agents for npm run bench -- --only live
seed: 1
replications: 1
stop: { time: 60 }
agents:
  - pool: bench
    count: ${AGENTS}
    capacity: ${SLOTS_PER_AGENT}
    speed: 1000
    skills: { job: 1 }
workload:
  arrivals: { process: poisson, rate: 1 }
  tasks:
    - type: job
      tokens: 100
strategies: [least-connections]
`;
}

/** Figures of one phase. */
export interface LivePhase {
  /** The phase's name (mode and load). */
  readonly name: string;
  /** Offered submissions per second (open loop), or undefined (closed loop). */
  readonly offeredPerSecond: number | undefined;
  /** Submissions answered 201 per second over the measured window. */
  readonly submissionsPerSecond: number;
  /** Tasks whose start was seen in the window (the latency samples). */
  readonly samples: number;
  /** Submit-to-start latency, milliseconds. */
  readonly startMs: Quantiles;
  /** Submission round trip (request sent to 201 read), milliseconds. */
  readonly submitMs: Quantiles;
  /** Whether the service kept up (see the module comment). */
  readonly sustained: boolean;
  /** Most tasks submitted and not finished at once. */
  readonly peakOutstanding: number;
  /** CPU seconds per wall second of the window: the service process, this process. */
  readonly serviceCpu: number | undefined;
  /** This process's CPU seconds per wall second. */
  readonly benchCpu: number;
  /** This process's event-loop delay p99 over the window, milliseconds (it inflates every figure). */
  readonly benchLoopDelayP99Ms: number;
  /** HTTP requests sent over the window (submitter and agents) per submission answered: what batching and multiplexing save. */
  readonly requestsPerTask: number;
  /** Of {@link requestsPerTask}, the agents' (polls and report flushes). */
  readonly agentRequestsPerTask: number;
  /** Requests with an unexpected status, or failed. */
  readonly errors: number;
  /** The machine's 1-minute load average when the phase began (other work skews every figure). */
  readonly loadAverage: number;
  /** The service's own stage timings over the window (`--latency-probe`), when it has the probe. */
  readonly stages: LatencyReport | undefined;
  /** The service's collections over the window, from V8's trace (with {@link LiveBenchOptions.serviceGcTrace}). */
  readonly gcTrace?: GcTraceSummary;
}

/** The live benchmark's result. */
export interface LiveFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** The service measured: its URL, or how the bench started it. */
  readonly service: string;
  /** The Node flags the bench started the service under (by default only the V8 pool size `serve` would give itself: `--v8-pool-size=1` on two cores). */
  readonly serviceNodeFlags: readonly string[];
  /** The `fleetsim serve` flags the bench added (none by default). */
  readonly serviceArgs: readonly string[];
  /**
   * The nice value the bench's own threads measured at: the one asked for ({@link CLIENT_NICE} by
   * default), or the process's own when it already ran at a lower priority.
   */
  readonly clientNice: number;
  /**
   * Bytes of the data directory's write-ahead log after the run (`wal.jsonl`), or undefined when
   * there was none (a service that persists nothing: its figures are not the durable path's).
   */
  readonly walBytes: number | undefined;
  /** Figures of each phase, in order. */
  readonly phases: readonly LivePhase[];
  /** The same load in-process, without HTTP: the engine alone and with the write-ahead log. */
  readonly layers: readonly LayerRow[];
  /** One append + fdatasync of 2 KB to the temporary directory's disk, alone, ms (undefined when the layers were skipped). */
  readonly diskSyncMs: Quantiles | undefined;
  /** The same 2 KB writes + fdatasync overwriting a preallocated (zeroed, fdatasynced) file instead, ms (undefined when the layers were skipped). */
  readonly diskOverwriteSyncMs?: Quantiles | undefined;
  /** The targets: p99 submit-to-start and submissions per second. */
  readonly target: typeof TARGET;
  /** Most submissions per second shown sustained (any phase; see {@link throughputVerdict}). */
  readonly sustainedPerSecond: number;
  /** The throughput verdict's words: the figure, the phase that shows it and how, pass or FAIL. */
  readonly throughputVerdict: string;
  /** p99 of submit-to-start at the target rate, when that phase ran. */
  readonly p99AtTargetMs: number | undefined;
  /** The phase that p99 comes from (the best sustained one at the target rate). */
  readonly targetPhase: string | undefined;
  /** Whether the throughput and the latency targets were met. */
  readonly pass: { readonly throughput: boolean; readonly latency: boolean };
}

/** What to measure; the defaults are the issue's benchmark. */
export interface LiveBenchOptions {
  /** An already running service to measure instead of starting one (its scenario must be {@link liveBenchScenario}'s). */
  readonly url?: string;
  /** Offered rates of the open-loop phases, submissions per second. */
  readonly rates?: readonly number[];
  /** Measured window of each phase, seconds. */
  readonly measureSeconds?: number;
  /** Whether to run the closed-loop phase (default true). */
  readonly closedLoop?: boolean;
  /** Whether to measure the in-process layers too (default true). */
  readonly layers?: boolean;
  /** Which request modes to run (default both, single first). */
  readonly modes?: readonly AgentsMode[];
  /**
   * Node flags for the service the bench starts (e.g. `--max-semi-space-size=4`), as a
   * deployment would give them in `NODE_OPTIONS`: V8 reads its heap's sizes only when the
   * process starts. Not with {@link url}.
   */
  readonly serviceNodeFlags?: readonly string[];
  /**
   * Whether to start the service under V8's `--trace-gc-nvp` and report, per phase, what its
   * scavenges' pauses consist of over the measured window (see bench/gcTrace.ts). Not with {@link url}.
   */
  readonly serviceGcTrace?: boolean;
  /** `fleetsim serve` flags for the service the bench starts (e.g. `--fsyncs-in-flight 2`). Not with {@link url}. */
  readonly serviceArgs?: readonly string[];
  /** The nice value of the bench's own threads while it measures, 0..19 (default {@link CLIENT_NICE}; 0, or one not above the process's: as they were). */
  readonly clientNice?: number;
}

/** One bench's state: what was sent when, what was seen; the agents run in a worker thread. */
class Bench {
  /**
   * Absolute send time (ms, `performance.timeOrigin + performance.now()`) of task `bench-N` at
   * `N & SENT_MASK`, NaN once its start was seen; {@link sentTask} holds the N each slot is for.
   * Typed arrays indexed by the task's number rather than a map keyed by its id: nothing is
   * allocated per task.
   */
  private readonly sentAt = new Float64Array(SENT_SLOTS).fill(NaN);
  private readonly sentTask = new Float64Array(SENT_SLOTS).fill(-1);
  /** Per task in the window: submit round trip and submit-to-start, ms. */
  submitSamples: number[] = [];
  startSamples: number[] = [];
  answered = 0;
  outstanding = 0;
  peakOutstanding = 0;
  errors = 0;
  /** Tasks whose submission was sent in [windowStart, windowEnd) (absolute ms) are measured. */
  windowStart = Infinity;
  windowEnd = Infinity;
  onFinished: (() => void) | undefined;
  /** How requests go: one per task and step, or submissions in batches and the agents' reports batched or multiplexed. */
  mode: AgentsMode = 'single';
  private nextId = 0;
  /** The submissions due this event-loop turn (batched modes): task numbers `firstPending` … `nextId`. */
  private firstPending = 0;
  private flushScheduled = false;
  private readonly flushBound = (): void => this.flush();
  private readonly submitter: Client;
  private readonly lastErrors: string[] = [];
  private agents: Worker | undefined;
  /** What the agents' worker writes per task (starts seen, tasks finished), and the timer that drains it. */
  private progress: ProgressRing | undefined;
  private progressTimer: ReturnType<typeof setInterval> | undefined;
  private readonly drainBound = (): void => this.drainProgress();
  private readonly startedBound = (n: number, seenAt: number): void => this.started(n, seenAt);
  private stopped: Promise<void> | undefined;
  private counted: ((requests: number) => void) | undefined;

  constructor(private readonly url: string) {
    this.submitter = new Client(url, SUBMITTER_CONNECTIONS);
  }

  error(what: string): void {
    this.errors++;
    if (this.lastErrors.length < 5) this.lastErrors.push(what);
  }

  get firstErrors(): readonly string[] {
    return this.lastErrors;
  }

  /** Registers the agents and starts their worker; resolves once they are polling. */
  async register(agentIds: readonly string[], nice: number): Promise<void> {
    for (const id of agentIds) {
      const { status, body } = await this.submitter.call('POST', '/v1/agents', { id });
      if (status !== 200 && status !== 201) throw new Error(`POST /v1/agents ${id}: ${status} ${JSON.stringify(body)}`);
    }
    const progress = progressBuffer();
    this.progress = new ProgressRing(progress);
    const workerData: AgentsWorkerData = { url: this.url, agentIds, pollWaitSeconds: POLL_WAIT_SECONDS, progress, nice };
    const agents = new Worker(new URL('./liveAgents.js', import.meta.url), { workerData });
    this.agents = agents;
    this.progressTimer = setInterval(this.drainBound, PROGRESS_DRAIN_MS);
    // Not what keeps the process alive: the worker does, until close().
    this.progressTimer.unref();
    let resolveStopped: () => void;
    this.stopped = new Promise((resolve) => (resolveStopped = resolve));
    await new Promise<void>((resolve, reject) => {
      agents.on('error', reject);
      agents.on('message', (message: FromAgents) => {
        switch (message.kind) {
          case 'ready': resolve(); break;
          case 'error': this.error(message.message); break;
          case 'count': this.counted?.(message.requests); break;
          case 'stopped': resolveStopped(); break;
        }
      });
    });
  }

  /**
   * The service's stage timings since the last call (`GET /v1/latency`, then `DELETE` to start
   * afresh); undefined when the service runs without the probe.
   */
  async stages(): Promise<LatencyReport | undefined> {
    const { status, body } = await this.submitter.call('GET', '/v1/latency');
    if (status !== 200) return undefined;
    await this.submitter.call('DELETE', '/v1/latency');
    return body as LatencyReport;
  }

  /** HTTP requests sent so far by the submitter and the agents. */
  async requests(): Promise<{ readonly submitter: number; readonly agents: number }> {
    const agents = await new Promise<number>((resolve) => {
      this.counted = resolve;
      this.agents?.postMessage({ kind: 'count' } satisfies ToAgents);
    });
    return { submitter: this.submitter.requests, agents };
  }

  /** Sets how long the agents hold each task, and whether they report in batches. */
  hold(holdMs: number): void {
    this.agents?.postMessage({ kind: 'hold', holdMs, mode: this.mode } satisfies ToAgents);
  }

  submit(): void {
    const n = ++this.nextId;
    this.outstanding++;
    if (this.outstanding > this.peakOutstanding) this.peakOutstanding = this.outstanding;
    if (this.mode !== 'single') {
      // Everything submitted in this event-loop turn goes in one request.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.firstPending = n;
        setImmediate(this.flushBound);
      }
      return;
    }
    const sentAt = performance.timeOrigin + performance.now();
    this.sent(n, sentAt);
    this.submitter.callRaw('POST', '/v1/tasks', taskJson(n)).then(
      ({ status, body, receivedAt }) => this.answeredOne(n, sentAt, status, body, receivedAt),
      (error: unknown) => this.error(`POST /v1/tasks bench-${n}: ${String(error)}`),
    );
  }

  /** Records task `n` as sent at `sentAt` (the moment its request is handed to the HTTP client). */
  private sent(n: number, sentAt: number): void {
    const slot = n & SENT_MASK;
    if (!Number.isNaN(this.sentAt[slot]!)) this.error(`bench-${this.sentTask[slot]}: its start was never seen (${SENT_SLOTS} tasks later)`);
    this.sentAt[slot] = sentAt;
    this.sentTask[slot] = n;
  }

  /** Sends the submissions due this turn, in batches of at most {@link MAX_BATCH}. */
  private flush(): void {
    this.flushScheduled = false;
    for (let first = this.firstPending; first <= this.nextId; first += MAX_BATCH) {
      const last = Math.min(first + MAX_BATCH - 1, this.nextId);
      // The body JSON.stringify would make ({"tasks":[{"id":"bench-N","type":"job","tokens":100},…]}), without the objects.
      let payload = '{"tasks":[';
      for (let n = first; n <= last; n++) payload += (n === first ? '' : ',') + taskJson(n);
      payload += ']}';
      // One send time for the batch, taken as its request is handed to the HTTP client.
      const sentAt = performance.timeOrigin + performance.now();
      for (let n = first; n <= last; n++) this.sent(n, sentAt);
      this.submitter.callRaw('POST', '/v1/tasks/batch', payload).then(({ status, body, receivedAt }) => {
        const results = status === 200 ? (body as { results: { status: number }[] }).results : undefined;
        for (let n = first; n <= last; n++) this.answeredOne(n, sentAt, results?.[n - first]?.status ?? status, results?.[n - first] ?? body, receivedAt);
      }, (error: unknown) => this.error(`POST /v1/tasks/batch: ${String(error)}`));
    }
  }

  /** Submission `bench-n` answered at `receivedAt` (`status` 201: accepted), alone or as an item of a batch. */
  private answeredOne(n: number, sentAt: number, status: number, body: unknown, receivedAt: number): void {
    if (status !== 201) {
      this.error(`POST /v1/tasks bench-${n}: ${status} ${JSON.stringify(body)}`);
      this.forget(n);
      this.outstanding--;
      this.onFinished?.();
      return;
    }
    if (sentAt >= this.windowStart && sentAt < this.windowEnd) {
      this.answered++;
      this.submitSamples.push(receivedAt - sentAt);
    }
  }

  /** A refused task will never start: its slot is free again. */
  private forget(n: number): void {
    const slot = n & SENT_MASK;
    if (this.sentTask[slot] === n) this.sentAt[slot] = NaN;
  }

  /** What the agents' worker wrote since the last drain: the starts it saw, the tasks that finished. */
  private drainProgress(): void {
    const finished = this.progress!.drain(this.startedBound);
    this.outstanding -= finished;
    for (let i = 0; i < finished; i++) this.onFinished?.();
  }

  /** Task `bench-n`'s start was seen by an agent at `seenAt` (absolute ms). */
  private started(n: number, seenAt: number): void {
    const slot = n & SENT_MASK;
    const sentAt = this.sentAt[slot]!;
    if (this.sentTask[slot] !== n || Number.isNaN(sentAt)) return;
    this.sentAt[slot] = NaN;
    if (sentAt >= this.windowStart && sentAt < this.windowEnd) this.startSamples.push(seenAt - sentAt);
  }

  /** Waits until every submitted task has finished (or `seconds` passed). */
  async settle(seconds: number): Promise<void> {
    const until = performance.now() + seconds * 1000;
    while (this.outstanding > 0 && performance.now() < until) await sleep(20);
  }

  /** Stops the agents (each returns from its current poll) and their worker. */
  async close(): Promise<void> {
    this.agents?.postMessage({ kind: 'stop' } satisfies ToAgents);
    await this.stopped;
    clearInterval(this.progressTimer);
    this.drainProgress();
    await this.agents?.terminate();
    await this.submitter.close();
  }

  resetWindow(start: number, end: number): void {
    this.windowStart = start;
    this.windowEnd = end;
    this.submitSamples = [];
    this.startSamples = [];
    this.answered = 0;
    this.errors = 0;
    this.peakOutstanding = this.outstanding;
  }
}

/** CPU seconds (user + system) of a process so far, from /proc; undefined off Linux. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // Fields 14 and 15 (utime, stime) in clock ticks; index 11 and 12 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Sends submissions until `until` (performance.now() ms); `last` is the phase's last call. False when it could not keep up its schedule. */
type Drive = (until: number, last: boolean) => Promise<boolean>;

/** Measures one phase: `drive` sends submissions over the window; figures from the window only. */
async function phase(
  bench: Bench, servicePid: number | undefined, name: string, offered: number | undefined, drive: Drive, measureSeconds: number,
  traceWindow?: (startMs: number, endMs: number) => GcTraceSummary,
): Promise<LivePhase> {
  const loadAverage = loadavg()[0]!;
  const warmupEnd = performance.now() + WARMUP_SECONDS * 1000;
  bench.resetWindow(Infinity, Infinity);
  await drive(warmupEnd, false);
  const start = performance.now();
  const end = start + measureSeconds * 1000;
  bench.resetWindow(performance.timeOrigin + start, performance.timeOrigin + end);
  const requests0 = await bench.requests();
  await bench.stages();
  const serviceCpu0 = processCpuSeconds(servicePid);
  const benchCpu0 = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const kept = await drive(end, true);
  loop.disable();
  const wall = (performance.now() - start) / 1000;
  const serviceCpu1 = processCpuSeconds(servicePid);
  const benchCpu = process.cpuUsage(benchCpu0);
  const requests1 = await bench.requests();
  const agentRequests = requests1.agents - requests0.agents;
  const requests = requests1.submitter - requests0.submitter + agentRequests;
  // Over the window, as the CPU figures (the window's last few starts are left out).
  const stages = await bench.stages();
  // Let the window's last tasks start and finish before the next phase.
  await bench.settle(30);
  const submissionsPerSecond = bench.answered / measureSeconds;
  return {
    name,
    offeredPerSecond: offered,
    submissionsPerSecond,
    samples: bench.startSamples.length,
    startMs: quantiles(bench.startSamples),
    submitMs: quantiles(bench.submitSamples),
    sustained: kept && bench.errors === 0 && (offered === undefined || submissionsPerSecond >= 0.98 * offered),
    peakOutstanding: bench.peakOutstanding,
    serviceCpu: serviceCpu0 === undefined || serviceCpu1 === undefined ? undefined : (serviceCpu1 - serviceCpu0) / wall,
    benchCpu: (benchCpu.user + benchCpu.system) / 1e6 / wall,
    benchLoopDelayP99Ms: loop.percentile(99) / 1e6,
    requestsPerTask: bench.answered === 0 ? NaN : requests / bench.answered,
    agentRequestsPerTask: bench.answered === 0 ? NaN : agentRequests / bench.answered,
    errors: bench.errors,
    loadAverage,
    stages,
    ...(traceWindow === undefined ? {} : { gcTrace: traceWindow(start, end) }),
  };
}

/** Open loop: submissions on schedule at `rate` per second; false when the outstanding cap stopped it. */
function openLoop(bench: Bench, rate: number): Drive {
  return async (until) => {
    bench.hold((CONCURRENT_TASKS / rate) * 1000);
    bench.onFinished = undefined;
    const t0 = performance.now();
    let sent = 0;
    let kept = true;
    for (let now = t0; now < until; now = performance.now()) {
      const due = Math.floor(((now - t0) / 1000) * rate);
      while (sent < due) {
        if (bench.outstanding >= MAX_OUTSTANDING) {
          kept = false;
          sent = due;
          break;
        }
        bench.submit();
        sent++;
      }
      await sleep(1); // Node's timer granularity: at 5,000/s, five submissions per tick
    }
    return kept;
  };
}

/** Closed loop: exactly `CONCURRENT_TASKS` in flight, held for no time, from warm-up to the window's end. */
function closedLoop(bench: Bench): Drive {
  let open = false;
  return async (until, last) => {
    if (!open) {
      open = true;
      bench.hold(0);
      bench.onFinished = () => {
        if (open) bench.submit();
      };
      while (bench.outstanding < CONCURRENT_TASKS) bench.submit();
    }
    await sleep(Math.max(0, until - performance.now()));
    if (last) {
      open = false;
      bench.onFinished = undefined;
    }
    return true;
  };
}

/**
 * The Node flags the service starts under: `nodeFlags` with the V8 pool size `fleetsim serve`
 * would give itself (`--v8-threads auto`: one helper thread on two cores unless the flags set
 * it), set here so that the process started is the service itself rather than a launcher of it:
 * its CPU, read from /proc by pid, is the service's. With `--v8-threads` among `serveArgs`, the
 * flags as given (serve decides).
 */
export function serviceNodeFlags(nodeFlags: readonly string[], serveArgs: readonly string[]): string[] {
  if (serveArgs.includes('--v8-threads')) return [...nodeFlags];
  const plan = planV8Pool('auto', { cores: availableParallelism(), execArgv: nodeFlags, nodeOptions: process.env.NODE_OPTIONS });
  return plan.relaunch ? withV8PoolSize(nodeFlags, plan.poolSize) : [...nodeFlags];
}

/**
 * Starts `fleetsim serve` on a fresh data directory (under `nodeFlags`, given the V8 pool size
 * of {@link serviceNodeFlags}); resolves with its URL and the Node flags it got once it listens.
 */
export async function startService(
  scenarioFile: string, dataDir: string, nodeFlags: readonly string[] = [], serveArgs: readonly string[] = [], onStdoutLine?: (line: string) => void,
): Promise<{ child: ChildProcess; url: string; nodeFlags: readonly string[] }> {
  const flags = serviceNodeFlags(nodeFlags, serveArgs);
  const child = spawn(process.execPath, [...flags, CLI, 'serve', scenarioFile, '--data', dataDir, '--port', '0', '--latency-probe', ...serveArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout! });
  if (onStdoutLine !== undefined) lines.on('line', onStdoutLine);
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match !== null) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`fleetsim serve exited (${code ?? 'signal'}) before listening: ${stderr.trim()}`)));
  });
  return { child, url, nodeFlags: flags };
}

/**
 * Lowers the calling thread's priority to nice value `nice` (on Linux a thread's own; other
 * threads keep theirs; a thread already at `nice` or lower priority is left). Returns the nice
 * value the thread now runs at, and what puts the old one back: the benches run after this one
 * are not to be slowed. Raising it back needs a privilege an ordinary user may lack (then a
 * note on stderr).
 */
export function niceThisThread(nice: number): { readonly nice: number; readonly restore: () => void } {
  const before = getPriority(0);
  // Never raised above what the process was started with (that would need the privilege).
  if (nice <= before) return { nice: before, restore: () => undefined };
  setPriority(0, nice);
  return {
    nice,
    restore: () => {
      try {
        setPriority(0, before);
      } catch (error) {
        process.stderr.write(`live bench: could not restore this thread's nice value ${before} (${String(error)}): the benches after it run at ${nice}\n`);
      }
    },
  };
}

/** Runs the live benchmark. */
export async function measureLive(options: LiveBenchOptions = {}): Promise<LiveFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-live-'));
  const scenarioFile = join(dir, 'live-bench.yaml');
  writeFileSync(scenarioFile, liveBenchScenario());
  const agentIds = parseScenario(liveBenchScenario(), scenarioFile).agents.map((agent) => agent.spec.id);
  let service: { child: ChildProcess; url: string; nodeFlags: readonly string[] } | undefined;
  let restoreNice: (() => void) | undefined;
  // What the load generator's thread ran at: the value asked for, or the process's own when that was lower already.
  let measuredNice = getPriority(0);
  const measureSeconds = options.measureSeconds ?? MEASURE_SECONDS;
  // The layers first, so that the service's process is not around while they run.
  const layers = options.layers === false ? [] : await measureLayers(options.rates ?? RATES, Math.min(measureSeconds, 5));
  const diskSyncMs = options.layers === false ? undefined : await measureDiskSync();
  const diskOverwriteSyncMs = options.layers === false ? undefined : await measureDiskSync(undefined, undefined, true);
  try {
    if (options.url !== undefined && ((options.serviceNodeFlags?.length ?? 0) > 0 || (options.serviceArgs?.length ?? 0) > 0 || options.serviceGcTrace === true)) throw new Error('service flags apply to a service the bench starts, not to one at --url');
    const nodeFlags = [...(options.serviceNodeFlags ?? []), ...(options.serviceGcTrace === true ? ['--trace-gc-nvp'] : [])];
    // Each collection's line as it arrives, stamped with this process's clock, to be told apart by window.
    const traced: { readonly atMs: number; readonly entry: GcTraceEntry }[] = [];
    const onLine = options.serviceGcTrace === true
      ? (line: string): void => {
        const entry = parseGcTraceLine(line);
        if (entry !== undefined) traced.push({ atMs: performance.now(), entry });
      }
      : undefined;
    const traceWindow = onLine === undefined
      ? undefined
      : (startMs: number, endMs: number): GcTraceSummary => summarizeGcTrace(traced.filter((t) => t.atMs >= startMs && t.atMs < endMs).map((t) => t.entry));
    if (options.url === undefined) service = await startService(scenarioFile, join(dir, 'data'), nodeFlags, options.serviceArgs, onLine);
    const url = options.url ?? service!.url;
    const pid = service?.child.pid;
    const bench = new Bench(url);
    // After the service started (a child inherits its parent thread's nice value): this thread, then the worker.
    const clientNice = options.clientNice ?? CLIENT_NICE;
    const lowered = niceThisThread(clientNice);
    restoreNice = lowered.restore;
    measuredNice = lowered.nice;
    await bench.register(agentIds, clientNice);
    const phases: LivePhase[] = [];
    for (const mode of options.modes ?? LIVE_MODES) {
      bench.mode = mode;
      for (const rate of options.rates ?? RATES) {
        phases.push(await phase(bench, pid, `${mode}, open loop ${rate.toLocaleString('en-US')}/s`, rate, openLoop(bench, rate), measureSeconds, traceWindow));
      }
      if (options.closedLoop !== false) {
        phases.push(await phase(bench, pid, `${mode}, closed loop ${CONCURRENT_TASKS.toLocaleString('en-US')} in flight`, undefined, closedLoop(bench), measureSeconds, traceWindow));
      }
    }
    await bench.close();
    const walPath = join(dir, 'data', 'wal.jsonl');
    // Its content: the zeroed padding past the last line is not log.
    const walBytes = options.url === undefined && existsSync(walPath) ? lastDataOffset(walPath, 0) + 1 : undefined;
    if (bench.firstErrors.length > 0) process.stderr.write(`live bench: first errors:\n  ${bench.firstErrors.join('\n  ')}\n`);
    const throughput = throughputVerdict(phases, TARGET.submissionsPerSecond);
    // The target's latency is judged on the best phase at the target rate (any mode): a sustained one if any.
    const atTarget = phases.filter((p) => p.offeredPerSecond === TARGET.submissionsPerSecond)
      .sort((a, b) => Number(b.sustained) - Number(a.sustained) || a.startMs.p99 - b.startMs.p99)[0];
    return {
      benchmark: `fleetsim serve (fsync on) with ${AGENTS} emulated agents polling over HTTP (${SLOTS_PER_AGENT} slots each), ~${CONCURRENT_TASKS.toLocaleString('en-US')} tasks in flight; ${WARMUP_SECONDS} s warm-up and ${measureSeconds} s measured per phase`,
      service: options.url ?? 'fleetsim serve, started by the bench on a fresh data directory',
      serviceNodeFlags: service?.nodeFlags ?? nodeFlags,
      serviceArgs: options.serviceArgs ?? [],
      clientNice: measuredNice,
      walBytes,
      phases,
      layers,
      diskSyncMs,
      diskOverwriteSyncMs,
      target: TARGET,
      sustainedPerSecond: throughput.sustainedPerSecond,
      throughputVerdict: throughput.text,
      p99AtTargetMs: atTarget?.startMs.p99,
      targetPhase: atTarget?.name,
      pass: {
        throughput: throughput.pass,
        latency: atTarget !== undefined && atTarget.sustained && atTarget.startMs.p99 < TARGET.p99Ms,
      },
    };
  } finally {
    restoreNice?.();
    if (service !== undefined) {
      service.child.kill('SIGTERM');
      await Promise.race([new Promise((resolve) => service!.child.once('exit', resolve)), sleep(5_000)]);
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What {@link throughputVerdict} finds. */
export interface ThroughputVerdict {
  /** Most submissions per second a sustained phase shows (0 when none was sustained). */
  readonly sustainedPerSecond: number;
  /** Whether that reaches the target. */
  readonly pass: boolean;
  /** The figure, the phase that shows it and how, and `pass` or `FAIL`. */
  readonly text: string;
}

/**
 * The throughput verdict over a run's phases. An open-loop phase sustained at an offered rate at
 * or above the target shows that rate sustained: the service kept up with every submission
 * offered, and what it answered in the window falls short of the offered count only by the
 * tasks still in flight at the window's end (4,997/s of 5,000/s). Any other sustained phase (a
 * closed loop, an open loop below the target) shows the rate it answered in its window.
 */
export function throughputVerdict(phases: readonly Pick<LivePhase, 'name' | 'offeredPerSecond' | 'submissionsPerSecond' | 'sustained'>[], targetPerSecond: number): ThroughputVerdict {
  const rate = (value: number): string => Math.round(value).toLocaleString('en-US');
  let best: { readonly perSecond: number; readonly how: string } | undefined;
  for (const phase of phases) {
    if (!phase.sustained) continue;
    const offered = phase.offeredPerSecond !== undefined && phase.offeredPerSecond >= targetPerSecond;
    const perSecond = offered ? phase.offeredPerSecond! : phase.submissionsPerSecond;
    if (best !== undefined && perSecond <= best.perSecond) continue;
    best = {
      perSecond,
      how: offered
        ? `${phase.name}: kept up with the offered rate, ${rate(phase.submissionsPerSecond)}/s answered in its window, the rest in flight at its end`
        : `${phase.name}: answered in its window`,
    };
  }
  const sustainedPerSecond = best?.perSecond ?? 0;
  const pass = sustainedPerSecond >= targetPerSecond;
  const figure = best === undefined ? 'no phase sustained' : `${rate(best.perSecond)}/s (${best.how})`;
  return { sustainedPerSecond, pass, text: `${figure}, ${pass ? 'pass' : 'FAIL'}` };
}

/**
 * The service's CPU time per task (lowest over the phases: the least disturbed) and the rate one
 * core would give at that cost: the ceiling of a service whose work runs on one thread, however
 * quiet the machine.
 */
function serviceCeiling(phases: readonly LivePhase[]): string[] {
  const costs = phases.flatMap((p) => (p.serviceCpu === undefined || p.submissionsPerSecond === 0 ? [] : [p.serviceCpu / p.submissionsPerSecond]));
  if (costs.length === 0) return [];
  const cost = Math.min(...costs);
  return [`  service CPU per task: ${Math.round(cost * 1e6)} µs (lowest of the phases), so at most ~${Math.round(1 / cost).toLocaleString('en-US')} tasks/s with its work on one core`];
}

/**
 * Where a task waits inside the service, per phase (the service's `--latency-probe`): p50 / p99
 * of each stage, of the group commit's wait and fsync, of the event loop's delay and GC pauses,
 * and the loop's longest stall, in ms; busy µs per task of the submission handlers.
 */
function formatStages(phases: readonly LivePhase[]): string[] {
  const probed = phases.filter((p) => p.stages !== undefined);
  if (probed.length === 0) return [];
  const ms = (value: number | null): string => (value === null || Number.isNaN(value) ? '-' : value.toFixed(2));
  const pair = (f: { readonly p50Ms: number; readonly p99Ms: number }): string => `${ms(f.p50Ms)} / ${ms(f.p99Ms)}`;
  // A service of an older build (measured with --url) reports no slot wait.
  const slotWait = (s: LatencyReport): string => ((s.groupCommit as Partial<LatencyReport['groupCommit']>).slotWait === undefined ? '-' : pair(s.groupCommit.slotWait));
  // Nor the scavenges apart, nor the young generation's size.
  const scavenges = (s: LatencyReport): string => ((s.loop as Partial<LatencyReport['loop']>).scavenge === undefined ? '-' : `${s.loop.scavenge.count}: ${pair(s.loop.scavenge)}`);
  const youngGeneration = (s: LatencyReport): string => ((s.loop as Partial<LatencyReport['loop']>).youngGenerationBytes === undefined ? '-' : (s.loop.youngGenerationBytes / 2 ** 20).toFixed(0));
  const header = ['phase', 'accept', 'commit', 'handout', 'group wait', 'slot wait', 'fsync', 'inputs/group', 'loop delay', 'loop max', 'loop busy (CPU)', 'GC pauses', 'GC max', 'scavenges', 'young gen MB', 'compactions: max wall (CPU)', 'submit µs/task'];
  const rows = probed.map((p) => {
    const s = p.stages!;
    return [
      p.name, pair(s.stages.accept), pair(s.stages.commit), pair(s.stages.handout), pair(s.groupCommit.groupWait), slotWait(s), pair(s.groupCommit.fsync),
      ms(s.groupCommit.inputsPerGroup), pair(s.loop.delay), ms(s.loop.delay.maxMs), `${s.loop.utilization.toFixed(2)} (${s.loop.cpuCores.toFixed(2)})`, `${s.loop.gc.count}: ${pair(s.loop.gc)}`, ms(s.loop.gc.maxMs), scavenges(s), youngGeneration(s),
      s.loop.compaction.count === 0 ? '0' : `${s.loop.compaction.count}: ${ms(s.loop.compaction.maxMs)} (${ms(s.loop.compactionCpu.maxMs)})`, ms(s.busyMicrosPerTask.submit),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => '  ' + cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [
    '',
    'Where a task waits inside the service (fleetsim serve --latency-probe; p50 / p99 in ms over each window)',
    line(header),
    ...rows.map(line),
    '  (accept = submission handler entered → start queued; commit = queued → durable (group commit: waiting for a free fsync, then its own write and fsync); handout = durable → taken by a poll; ' +
      'group wait = a group\'s first input → its write (slot wait: the part of it spent waiting for a free fsync slot); loop delay = event-loop delay sampled every ms (how long the loop was blocked); loop busy = the share of time the loop was not idle, beside the cores of CPU the process used (busy well above CPU: it waited for a core); scavenges = the GC pauses that were minor GCs (the young generation\'s; the rest are the old generation\'s); young gen = V8\'s new space at the window\'s end (--max-semi-space-size sets it); compactions = their synchronous part, wall clock (the process\'s CPU time); ' +
      'what a task waits beyond accept + commit + handout is HTTP, JSON and queueing for the CPU on both sides)',
  ];
}

/**
 * What the service's scavenges consist of per phase (`--service-gc-trace`): count, pause p50 / p99
 * and total, and each phase of the pause as median / total, in ms; bytes survived and promoted.
 */
function formatGcTrace(phases: readonly LivePhase[]): string[] {
  const traced = phases.filter((p) => p.gcTrace !== undefined);
  if (traced.length === 0) return [];
  const ms = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(2));
  return traced.flatMap((p) => {
    const t = p.gcTrace!;
    return [
      `  ${p.name}, V8's trace: ${t.scavenges} scavenges, pause p50 / p99 ${ms(t.pauseMs.p50)} / ${ms(t.pauseMs.p99)} ms, ${ms(t.pausedMs)} ms in all; ` +
        `survived / promoted p50 ${(t.survivedBytesP50 / 1e6).toFixed(2)} / ${(t.promotedBytesP50 / 1e6).toFixed(2)} MB; other collections' pauses: ${t.otherPausesMs.map(ms).join(', ') || 'none'}`,
      `    per scavenge, median / total ms: ${SCAVENGE_PHASES.map((name) => `${name} ${ms(t.phases[name].p50Ms)} / ${ms(t.phases[name].totalMs)}`).join(', ')}`,
    ];
  });
}

/** The table `npm run bench` prints. */
export function formatLive(figures: LiveFigures): string {
  const ms = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(2));
  const rate = (value: number): string => Math.round(value).toLocaleString('en-US');
  const rows = figures.phases.map((p) => [
    p.name,
    rate(p.submissionsPerSecond),
    p.sustained ? 'yes' : 'no',
    ms(p.startMs.p50), ms(p.startMs.p99), ms(p.startMs.max),
    ms(p.submitMs.p50), ms(p.submitMs.p99),
    rate(p.peakOutstanding),
    p.serviceCpu === undefined ? '-' : p.serviceCpu.toFixed(2),
    p.serviceCpu === undefined || p.submissionsPerSecond === 0 ? '-' : rate((p.serviceCpu / p.submissionsPerSecond) * 1e6),
    p.benchCpu.toFixed(2), p.submissionsPerSecond === 0 ? '-' : rate((p.benchCpu / p.submissionsPerSecond) * 1e6), ms(p.requestsPerTask), ms(p.agentRequestsPerTask), ms(p.benchLoopDelayP99Ms), p.loadAverage.toFixed(1),
  ]);
  const header = ['phase', 'submits/s', 'sustained', 'start p50', 'start p99', 'start max', 'submit p50', 'submit p99', 'peak in flight', 'service CPU', 'service µs/task', 'bench CPU', 'bench µs/task', 'requests/task', 'agent requests/task', 'bench loop p99', 'load avg'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => '  ' + cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const verdict = (ok: boolean): string => (ok ? 'pass' : 'FAIL');
  const wal = figures.walBytes === undefined
    ? '  WARNING: no write-ahead log in the data directory (or a service the bench did not start): these are not the durable path\'s figures'
    : `  write-ahead log after the run: ${(figures.walBytes / 1e6).toFixed(1)} MB`;
  return [
    wal,
    ...(figures.serviceNodeFlags.length === 0 ? [] : [`  service started under node ${figures.serviceNodeFlags.join(' ')}`]),
    ...(figures.serviceArgs.length === 0 ? [] : [`  service started with fleetsim serve … ${figures.serviceArgs.join(' ')}`]),
    line(header),
    ...rows.map(line),
    '  (latencies in ms: start = submit sent → start command read by an agent; submit = POST /v1/tasks (or /v1/tasks/batch) round trip; CPU in cores busy, service µs/task = its CPU time per task submitted, bench µs/task the same for the load generator and agents; requests/task = HTTP requests of both per task, agent requests/task the agents’ share (polls, report flushes); load avg = the machine’s 1-minute load when the phase began)',
    `  target: ≥ ${rate(figures.target.submissionsPerSecond)} submissions/s sustained: ${figures.throughputVerdict}; ` +
      `p99 submit-to-start < ${figures.target.p99Ms} ms at ${rate(figures.target.submissionsPerSecond)}/s: ${figures.p99AtTargetMs === undefined ? 'not run' : `${ms(figures.p99AtTargetMs)} ms (${figures.targetPhase ?? '-'})`}, ${verdict(figures.pass.latency)}`,
    ...serviceCeiling(figures.phases),
    ...formatStages(figures.phases),
    ...formatGcTrace(figures.phases),
    ...(figures.layers.length === 0 ? [] : ['', 'Where the time goes: the same load in this process, without HTTP', formatLayers(figures.layers)]),
    ...(figures.diskSyncMs === undefined ? [] : [`  disk: one 2 KB append + fdatasync alone: p50 ${ms(figures.diskSyncMs.p50)} ms, p99 ${ms(figures.diskSyncMs.p99)} ms, max ${ms(figures.diskSyncMs.max)} ms`]),
    ...(figures.diskOverwriteSyncMs === undefined ? [] : [`  disk: one 2 KB overwrite of a preallocated file + fdatasync alone: p50 ${ms(figures.diskOverwriteSyncMs.p50)} ms, p99 ${ms(figures.diskOverwriteSyncMs.p99)} ms, max ${ms(figures.diskOverwriteSyncMs.max)} ms`]),
  ].join('\n');
}
