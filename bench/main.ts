/**
 * `npm run bench`: speed figures, measured (never asserted in tests). Prints tables and, with
 * `--json`, one JSON document. `--only simulator`, `--only cli`, `--only decisions`,
 * `--only parallel` or `--only live` runs one part.
 *
 * - simulator: tasks simulated per second (bench/simulator.ts) on M/M/10 and on a realistic
 *   scenario, best and median of five runs after a warm-up run, beside a CPU reference loop
 *   that shows how fast the machine is today (bench/cpuReference.ts);
 * - cli: `fleetsim run` end to end in fresh processes, in-process on the same scenario, the CLI's
 *   start-up, and SimPy on the same model (bench/cli.ts);
 * - decisions: wall-clock cost of one routing decision of every registered strategy at 10 to
 *   10,000 agents, under late and early binding (bench/decisions.ts), and the routing cost in
 *   real runs of a 1,000-agent scenario, p50/p99/p99.9 with the engine's own follow-up, plus
 *   work-stealing's run time against least-connections' (bench/routing.ts);
 * - parallel: speed-up of the experiment worker pool over one thread (bench/parallel.ts);
 * - live: `fleetsim serve` with fsync on and 100 agents polling over HTTP: submissions per second
 *   sustained and submit-to-start latency (bench/live.ts). `--url URL` measures a service already
 *   running (started on bench/live.ts's scenario), `--seconds S` sets each phase's window,
 *   `--modes multiplexed,batched` and `--rates 1000,5000` pick the phases, `--no-closed-loop` and
 *   `--no-layers` leave those parts out; with the service's stage timings (`--latency-probe`);
 *   `--service-node-flags "--max-semi-space-size=4"` starts the service under Node flags (by
 *   default it gets the V8 pool size `fleetsim serve` would give itself, `--v8-pool-size=1` on
 *   two cores, unless these flags set one),
 *   `--service-args "--fsyncs-in-flight 2"` with more `fleetsim serve` flags, `--service-gc-trace`
 *   under V8's `--trace-gc-nvp`, reporting what the service's scavenges consist of per phase
 *   (bench/gcTrace.ts); `--client-nice N` (0..19, default 10; 0: left as they are) lowers the
 *   bench's own threads (load generator, agents' worker) to nice N while it measures;
 * - trace: a synthesized 20M-row Azure 2024 week-long trace replayed in child processes: peak
 *   RSS (target < 500 MB) and rows per second (bench/trace.ts); `--rows N` for a smaller file;
 * - scale: 10M tasks on 10,000 agents, 1M on 100,000, the fixed cost of 100,000 agents (10,000
 *   tasks), and the cost per task from 10 to 100,000 agents, through the CLI in fresh processes,
 *   with CPU time and peak RSS (bench/scale.ts);
 *   `--scale-factor F` multiplies every task count (for a quick look). Not in the default run;
 * - live-clients: the service's CPU per task under `fleetsim agents` + `fleetsim load`, batched
 *   and `--batch 1` (bench/liveClients.ts). Not in the default run;
 * - live-requests: the service's CPU per HTTP request by kind (a health check, multi-agent polls
 *   of 1 and 100 agents, submission batches of 1, 5 and 50 tasks), a fresh service per kind
 *   (bench/liveRequests.ts); `--rounds N` (default 2), `--service-args` as for live. Not in the
 *   default run;
 * - distributed: a sweep through Redis (`--queue`, 2 `fleetsim worker`s) against `--workers 2` in
 *   process, wall time (bench/distributed.ts); `--repeats N`. Needs redis-server; not in the
 *   default run;
 * - wal-commit: the write-ahead log's group commit alone, appending against preallocated,
 *   alternated (bench/walCommit.ts); `--rounds N` (default 3). Not in the default run;
 * - live-bullmq: what carrying an attempt over Redis costs for live agents over BullMQ, one at a
 *   time (latency) and many at once (attempts per second), both sides in one process
 *   (bench/liveBullmq.ts); starts its own redis-server unless `--queue URL` names one. Not in the
 *   default run.
 */
import { benchArgsError, benchHelp } from './benchArgs.js';
import { formatCli, measureCli } from './cli.js';
import { formatDecisionCosts, measureDecisionCosts, type DecisionCostRow } from './decisions.js';
import { formatLive, LIVE_MODES, measureLive } from './live.js';
import type { AgentsMode } from './liveAgents.js';
import { formatLiveClients, measureLiveClients } from './liveClients.js';
import { formatLiveRequests, measureLiveRequests } from './liveRequests.js';
import { formatWalCommit, measureWalCommit } from './walCommit.js';
import { formatLiveBullmq, measureLiveBullmq } from './liveBullmq.js';
import { formatParallel, measureParallel } from './parallel.js';
import { formatDistributed, measureDistributed } from './distributed.js';
import { formatTraceReplay, measureTraceReplay } from './trace.js';
import { formatRouting, measureRouting, type RoutingFigures } from './routing.js';
import { formatScale, measureScale } from './scale.js';
import { median } from 'simple-statistics';
import { REFERENCE_STEPS, measureCpuReference } from './cpuReference.js';
import { REALISTIC_SCENARIO, measureRealistic, measureSimulator } from './simulator.js';

const TASKS = 1_000_000;
const REPEATS = 5;

interface SpeedRow {
  strategy: string;
  tasks: number;
  bestTasksPerSecond: number;
  medianTasksPerSecond: number;
  runsTasksPerSecond: number[];
}

interface SimulatorFigures {
  readonly benchmark: string;
  /** Milliseconds of the CPU reference loop, measured just before (see bench/cpuReference.ts). */
  readonly cpuReferenceMillis: number;
  readonly rows: SpeedRow[];
  /** The same figures on a realistic scenario (context model, compaction, early binding). */
  readonly realistic: { readonly benchmark: string; readonly rows: SpeedRow[] };
}

/** Best and median of `REPEATS` measured runs after one unmeasured run. */
function speedRow(strategy: string, measure: () => { tasksPerSecond: number; tasks: number }): SpeedRow {
  // The unmeasured run comes first: runs keep getting faster for a while (the JIT's last
  // re-optimisations, the allocator's pages), and the figure is meant to be the steady state.
  const { tasks } = measure();
  const runs = Array.from({ length: REPEATS }, () => Math.round(measure().tasksPerSecond));
  return { strategy, tasks, bestTasksPerSecond: Math.max(...runs), medianTasksPerSecond: Math.round(median(runs)), runsTasksPerSecond: runs };
}

function simulatorFigures(): SimulatorFigures {
  const cpuReferenceMillis = Math.round(measureCpuReference());
  const rows = ['least-connections', 'round-robin', 'random'].map((strategy) => speedRow(strategy, () => ({ ...measureSimulator(TASKS, strategy), tasks: TASKS })));
  const realisticRows = ['least-connections', 'cache-aware'].map((strategy) => speedRow(strategy, () => measureRealistic(strategy)));
  return {
    benchmark: `M/M/10 at load 0.9, 1,000,000 tasks, all metrics on, one core; best and median of ${REPEATS} runs after a warm-up run`,
    cpuReferenceMillis,
    rows,
    realistic: { benchmark: `${REALISTIC_SCENARIO} stretched to ~150,000 tasks, the same way`, rows: realisticRows },
  };
}

interface DecisionFigures {
  readonly benchmark: string;
  readonly rows: DecisionCostRow[];
  /** Routing cost in real runs of a 1,000-agent scenario (bench/routing.ts). */
  readonly routing: RoutingFigures;
}

function decisionFigures(): DecisionFigures {
  return {
    benchmark: 'wall-clock cost of one pickAgent call at a busy steady state (80% of slots taken), median of 6 batches',
    rows: measureDecisionCosts(),
    routing: measureRouting(),
  };
}

if (process.argv.includes('--help')) {
  process.stdout.write(benchHelp());
  process.exit(0);
}
const argsError = benchArgsError(process.argv.slice(2));
if (argsError !== undefined) {
  process.stderr.write(`bench: ${argsError}\n`);
  process.exit(2);
}
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
const wanted = (part: string): boolean => only === undefined || only === part;
const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const liveSeconds = flag('--seconds') === undefined ? undefined : Number(flag('--seconds'));
if (liveSeconds !== undefined && !(liveSeconds > 0)) {
  process.stderr.write(`--seconds takes a positive number, got ${flag('--seconds') ?? 'nothing'}\n`);
  process.exit(2);
}
const liveUrl = flag('--url');
const liveModes = flag('--modes')?.split(',');
if (liveModes !== undefined && !liveModes.every((mode) => LIVE_MODES.includes(mode as AgentsMode))) {
  process.stderr.write(`--modes takes a comma-separated list of ${LIVE_MODES.join(', ')}, got ${flag('--modes') ?? 'nothing'}\n`);
  process.exit(2);
}
const liveRates = flag('--rates')?.split(',').map(Number);
if (liveRates !== undefined && !liveRates.every((rate) => Number.isFinite(rate) && rate > 0)) {
  process.stderr.write(`--rates takes a comma-separated list of positive submissions per second, got ${flag('--rates') ?? 'nothing'}\n`);
  process.exit(2);
}
// One argument, split at spaces: `--service-node-flags "--max-semi-space-size=4"`.
const serviceNodeFlags = process.argv.includes('--service-node-flags') ? (flag('--service-node-flags') ?? '').split(' ').filter((f) => f !== '') : undefined;
if (serviceNodeFlags !== undefined && (serviceNodeFlags.length === 0 || !serviceNodeFlags.every((f) => f.startsWith('--')) || liveUrl !== undefined)) {
  process.stderr.write(`--service-node-flags takes Node flags for the service the bench starts (not with --url), e.g. "--max-semi-space-size=4", got ${flag('--service-node-flags') ?? 'nothing'}\n`);
  process.exit(2);
}
// One argument, split at spaces: `--service-args "--fsyncs-in-flight 2"`.
const serviceArgs = process.argv.includes('--service-args') ? (flag('--service-args') ?? '').split(' ').filter((f) => f !== '') : undefined;
if (serviceArgs !== undefined && (serviceArgs.length === 0 || !serviceArgs[0]!.startsWith('--') || liveUrl !== undefined)) {
  process.stderr.write(`--service-args takes fleetsim serve flags for the service the bench starts (not with --url), e.g. "--fsyncs-in-flight 2", got ${flag('--service-args') ?? 'nothing'}\n`);
  process.exit(2);
}
const clientNice = flag('--client-nice') === undefined ? undefined : Number(flag('--client-nice'));
if (clientNice !== undefined && !(Number.isInteger(clientNice) && clientNice >= 0 && clientNice <= 19)) {
  process.stderr.write(`--client-nice takes an integer 0..19, got ${flag('--client-nice') ?? 'nothing'}\n`);
  process.exit(2);
}
const serviceGcTrace = process.argv.includes('--service-gc-trace');
if (serviceGcTrace && liveUrl !== undefined) {
  process.stderr.write('--service-gc-trace traces the service the bench starts: not with --url\n');
  process.exit(2);
}
const traceRows = flag('--rows') === undefined ? undefined : Number(flag('--rows'));
if (traceRows !== undefined && !(Number.isSafeInteger(traceRows) && traceRows > 0)) {
  process.stderr.write(`--rows takes a positive integer, got ${flag('--rows') ?? 'nothing'}\n`);
  process.exit(2);
}
const requestRounds = Number(flag('--rounds') ?? 2);
if (!(Number.isSafeInteger(requestRounds) && requestRounds > 0)) {
  process.stderr.write(`--rounds takes a positive integer, got ${flag('--rounds') ?? 'nothing'}\n`);
  process.exit(2);
}
const scaleFactor = Number(flag('--scale-factor') ?? 1);
if (!(scaleFactor > 0)) {
  process.stderr.write(`--scale-factor takes a positive number, got ${flag('--scale-factor') ?? 'nothing'}\n`);
  process.exit(2);
}
const figures = {
  node: process.version,
  simulator: wanted('simulator') ? simulatorFigures() : undefined,
  cli: wanted('cli') ? measureCli() : undefined,
  decisions: wanted('decisions') ? decisionFigures() : undefined,
  parallel: wanted('parallel') ? await measureParallel() : undefined,
  trace: wanted('trace') ? measureTraceReplay(traceRows) : undefined,
  // Minutes of fresh processes: only when asked for by name.
  scale: only === 'scale' ? measureScale(scaleFactor) : undefined,
  liveClients: only === 'live-clients' ? await measureLiveClients() : undefined,
  liveRequests: only === 'live-requests' ? await measureLiveRequests(requestRounds, serviceArgs) : undefined,
  walCommit: only === 'wal-commit' ? await measureWalCommit(Number(flag('--rounds') ?? 3)) : undefined,
  distributed: only === 'distributed' ? await measureDistributed(Number(flag('--repeats') ?? 5)) : undefined,
  liveBullmq: only === 'live-bullmq' ? await measureLiveBullmq(flag('--queue')) : undefined,
  live: wanted('live')
    ? await measureLive({
      ...(liveUrl === undefined ? {} : { url: liveUrl }),
      ...(liveSeconds === undefined ? {} : { measureSeconds: liveSeconds }),
      ...(liveModes === undefined ? {} : { modes: liveModes as AgentsMode[] }),
      ...(liveRates === undefined ? {} : { rates: liveRates }),
      ...(process.argv.includes('--no-closed-loop') ? { closedLoop: false } : {}),
      ...(process.argv.includes('--no-layers') ? { layers: false } : {}),
      ...(serviceNodeFlags === undefined ? {} : { serviceNodeFlags }),
      ...(serviceArgs === undefined ? {} : { serviceArgs }),
      ...(serviceGcTrace ? { serviceGcTrace } : {}),
      ...(clientNice === undefined ? {} : { clientNice }),
    })
    : undefined,
};
if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
} else {
  const sim = figures.simulator;
  if (sim !== undefined) {
    const rate = (n: number): string => n.toLocaleString('en-US');
    const writeRows = (rows: readonly SpeedRow[]): void => {
      for (const row of rows) {
        process.stdout.write(
          `  ${row.strategy.padEnd(20)} best ${rate(row.bestTasksPerSecond).padStart(9)} tasks/s, median ${rate(row.medianTasksPerSecond).padStart(9)}  (runs: ${row.runsTasksPerSecond.map(rate).join(', ')})\n`,
        );
      }
    };
    process.stdout.write(`${sim.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(`  CPU reference: ${REFERENCE_STEPS.toLocaleString('en-US')} steps of an integer loop in ${sim.cpuReferenceMillis} ms\n`);
    writeRows(sim.rows);
    process.stdout.write(`${sim.realistic.benchmark}\n`);
    writeRows(sim.realistic.rows);
  }
  const cli = figures.cli;
  if (cli !== undefined) {
    process.stdout.write(`\nCLI: ${cli.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatCli(cli) + '\n');
  }
  const decisions = figures.decisions;
  if (decisions !== undefined) {
    process.stdout.write(`\nDecision cost: ${decisions.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatDecisionCosts(decisions.rows) + '\n');
    process.stdout.write(`\nRouting cost in real runs: ${decisions.routing.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatRouting(decisions.routing) + '\n');
  }
  const parallel = figures.parallel;
  if (parallel !== undefined) {
    process.stdout.write(`\nWorker pool: ${parallel.benchmark}, ${parallel.cores} cores (Node ${figures.node})\n`);
    process.stdout.write(formatParallel(parallel) + '\n');
  }
  const trace = figures.trace;
  if (trace !== undefined) {
    process.stdout.write(`\nTrace replay: ${trace.benchmark}, file ${trace.fileMegabytes} MB (Node ${figures.node})\n`);
    process.stdout.write(formatTraceReplay(trace) + '\n');
  }
  const scale = figures.scale;
  if (scale !== undefined) {
    process.stdout.write(`\nScale: ${scale.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatScale(scale) + '\n');
  }
  const liveClients = figures.liveClients;
  if (liveClients !== undefined) {
    process.stdout.write(`\nLive clients: ${liveClients.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatLiveClients(liveClients) + '\n');
  }
  if (figures.walCommit !== undefined) {
    process.stdout.write(`\nThe log's group commit: ${figures.walCommit.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatWalCommit(figures.walCommit) + '\n');
  }
  const liveRequests = figures.liveRequests;
  if (liveRequests !== undefined) {
    process.stdout.write(`\nLive requests: ${liveRequests.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatLiveRequests(liveRequests) + '\n');
  }
  const distributed = figures.distributed;
  if (distributed !== undefined) {
    process.stdout.write(`\nDistributed: ${distributed.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatDistributed(distributed) + '\n');
  }
  const liveBullmq = figures.liveBullmq;
  if (liveBullmq !== undefined) {
    process.stdout.write(`\nLive agents over BullMQ: ${liveBullmq.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatLiveBullmq(liveBullmq) + '\n');
  }
  const live = figures.live;
  if (live !== undefined) {
    process.stdout.write(`\nLive service: ${live.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatLive(live) + '\n');
  }
}
