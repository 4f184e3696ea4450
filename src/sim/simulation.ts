/**
 * One simulated run: one scenario, one strategy, one replication. Drives the pure engine on a
 * virtual clock: pops the next event from the heap, feeds it to the engine as an input, carries
 * out the engine's commands (start → the agent model plans the attempt; timers → the heap) and
 * folds the engine's events into metrics.
 */
import { createEngine, type TaskCounts } from '../engine/engine.js';
import type { EngineEvent } from '../engine/messages.js';
import { MetricsCollector } from '../metrics/collector.js';
import type { RunMetrics } from '../metrics/types.js';
import type { Scenario, ScenarioJob, StrategyChoice } from '../scenario/types.js';
import { findStrategy } from '../strategies/index.js';
import { SimAgent, type AttemptPlan } from './agentModel.js';
import { DecisionTimer } from './decisionTimer.js';
import { EventHeap } from './eventHeap.js';
import { outcomeStreams, stream } from './random.js';
import { TaskFactory, arrivalClock, jobTask } from './workload.js';

const ARRIVAL = 0;
const FINISH = 1;
const TIMER = 2;
const JOB = 3;

type Payload = AttemptPlan | ScenarioJob | number;

/** What one run needs. */
export interface RunOptions {
  readonly scenario: Scenario;
  readonly strategy: StrategyChoice;
  /** 0-based replication number: selects the random streams. */
  readonly replication: number;
  /** Receives every engine event in order (for `--events`). */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Called every 65,536 events with the share of the run done, in [0, 1] (for progress bars). */
  readonly onProgress?: (fractionDone: number) => void;
  /** Shared decision timer, so that timings can be pooled over replications. */
  readonly decisionTimer?: DecisionTimer;
}

/** Wall-clock figures of one run: kept apart from the simulated, reproducible ones. */
export interface RunTiming {
  readonly wallSeconds: number;
  /** Heap events processed. */
  readonly events: number;
}

/** The outcome of one run. */
export interface RunResult {
  readonly metrics: RunMetrics;
  /** Every task of the run, warm-up included: the conservation ledger. */
  readonly counts: Readonly<TaskCounts>;
  readonly endTimeSeconds: number;
  readonly timing: RunTiming;
}

/** Runs one replication of one strategy on a scenario. */
export function runSimulation(options: RunOptions): RunResult {
  const wallStart = performance.now();
  const { scenario, replication } = options;
  const definition = findStrategy(options.strategy.name);
  if (definition === undefined) throw new Error(`unknown strategy ${options.strategy.name}`);
  const strategy = definition.create(options.strategy.params);
  const engine = createEngine({
    config: scenario.engine,
    strategy: options.decisionTimer?.wrap(strategy) ?? strategy,
    strategyRandom: stream(scenario.seed, replication, 'strategy'),
    engineRandom: stream(scenario.seed, replication, 'engine'),
  });
  const collector = new MetricsCollector({ warmupTimeSeconds: scenario.warmup.timeSeconds, warmupTasks: scenario.warmup.tasks });
  const agents = scenario.agents.map((config) => new SimAgent(config));
  const heap = new EventHeap<Payload>();
  const cancelledTimers = new Set<number>();
  const { timeSeconds: stopTime, tasks: stopTasks, drain } = scenario.stop;
  const factory = new TaskFactory(scenario.workload, scenario.seed, replication);
  const clock = arrivalClock(scenario.workload.arrivals, stream(scenario.seed, replication, 'arrivals'));
  const onEvent = options.onEvent;
  const outcomes = outcomeStreams(scenario.seed, replication);
  let now = 0;

  const drainOutputs = (): void => {
    for (let command = engine.pollCommand(); command !== undefined; command = engine.pollCommand()) {
      switch (command.kind) {
        case 'start': {
          const { task, agent, attempt } = command;
          const plan = agents[agent.index]!.begin(task, agent, attempt, outcomes);
          engine.started(now, task.spec.id, attempt, plan);
          heap.push(now + plan.durationSeconds, FINISH, plan);
          break;
        }
        case 'abort':
          // The attempt's finish stays scheduled; the engine records it as stale when it comes.
          break;
        case 'setTimer':
          heap.push(command.at, TIMER, command.timerId);
          break;
        case 'cancelTimer':
          cancelledTimers.add(command.timerId);
          break;
        default: {
          const unreachable: never = command;
          throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
        }
      }
    }
    for (let event = engine.pollEvent(); event !== undefined; event = engine.pollEvent()) {
      collector.observe(event);
      if (onEvent !== undefined) onEvent(event);
    }
  };

  for (const config of scenario.agents) engine.agentJoined(0, config.spec);
  drainOutputs();
  for (const job of scenario.workload.jobs) if (job.atSeconds <= stopTime) heap.push(job.atSeconds, JOB, job);
  let generated = 0;
  const scheduleArrival = (at: number): void => {
    // `at` is Infinity when arrivals are over; with no stop time, Infinity <= stopTime holds too.
    if (at < Number.POSITIVE_INFINITY && at <= stopTime) heap.push(at, ARRIVAL, undefined);
  };
  if (stopTasks > 0) scheduleArrival(clock.next(0));

  let events = 0;
  while (heap.size > 0) {
    if (!drain && heap.peekTime() > stopTime) break;
    const payload = heap.pop();
    const kind = heap.poppedKind;
    if (kind === TIMER && cancelledTimers.delete(payload as number)) continue;
    now = heap.poppedTime;
    events++;
    switch (kind) {
      case ARRIVAL: {
        engine.submit(now, factory.create(generated++, now));
        if (generated < stopTasks) scheduleArrival(clock.next(now));
        break;
      }
      case FINISH: {
        const finish = payload as AttemptPlan;
        engine.finished(now, finish.task.spec.id, finish.attempt, finish.outcome);
        break;
      }
      case TIMER:
        engine.timerFired(now, payload as number);
        break;
      case JOB:
        engine.submit(now, jobTask(payload as ScenarioJob));
        break;
      default:
        throw new Error(`unknown heap entry kind ${kind}`);
    }
    drainOutputs();
    if ((events & 0xffff) === 0 && options.onProgress !== undefined) {
      options.onProgress(Math.min(1, Math.max(generated / stopTasks, now / stopTime)));
    }
  }

  const endTimeSeconds = drain || stopTime === Number.POSITIVE_INFINITY ? now : stopTime;
  const counts = engine.counts();
  assertConservation(counts, scenario, options.strategy.label, replication);
  return {
    metrics: collector.finish(endTimeSeconds),
    counts,
    endTimeSeconds,
    timing: { wallSeconds: (performance.now() - wallStart) / 1000, events },
  };
}

/** No task is ever lost: every submitted task is final or still in flight. */
function assertConservation(counts: Readonly<TaskCounts>, scenario: Scenario, strategy: string, replication: number): void {
  const accounted = counts.completed + counts.deadLettered + counts.expired + counts.cancelled + counts.rejected + counts.inFlight;
  if (accounted !== counts.submitted) {
    throw new Error(
      `task conservation broken in ${scenario.source} (seed ${scenario.seed}, replication ${replication}, strategy ${strategy}): ` +
        `submitted ${counts.submitted}, accounted ${accounted} ${JSON.stringify(counts)}`,
    );
  }
}
