/**
 * One simulated run: one scenario, one strategy, one replication. Drives the pure engine on a
 * virtual clock: pops the next event from the heap, feeds it to the engine as an input, carries
 * out the engine's commands (start → the agent model plans the attempt; timers → the heap) and
 * folds the engine's events into metrics.
 */
import type { Engine, TaskCounts } from '../engine/engine.js';
import type { EventSink } from '../engine/eventSink.js';
import type { Command, EngineEvent } from '../engine/messages.js';
import type { TaskSpec, TaskView } from '../engine/task.js';
import type { MetricsCollector } from '../metrics/collector.js';
import type { RunMetrics } from '../metrics/types.js';
import type { ScenarioJob, ScenarioOperation, SimAgentConfig, StrategyChoice, Scenario } from '../scenario/types.js';
import { AttemptPlan, IDEAL_START, PERFECT_SUCCESS, SimAgent, idealPlan, runsPlainly, type OfferReply } from './agentModel.js';
import { DecisionTimer } from './decisionTimer.js';
import { EventHeap } from './eventHeap.js';
import { FleetNames } from './fleetNames.js';
import { applyOperation, type OperationTarget } from './operations.js';
import { outcomeStreams, type OutcomeStreams } from './random.js';
import { assertConservation, createRunEngine, runEndTime } from './runEngine.js';
import { jobTask, type ArrivalClock, type TaskFactory } from './workload.js';
import { workloadSources, type WorkflowStream } from './workloadSources.js';
import type { TraceReplay } from '../traces/traceReplay.js';

/**
 * The kinds of heap entry, a const enum so that the compiler writes each number in place: a
 * module constant is a context load at every access, and the loop tests the kind at every event.
 */
const enum Kind {
  Finish = 1,
  Timer = 2,
  Job = 3,
  OfferAnswer = 4,
  Operation = 5,
  AgentJoins = 6,
  Workflow = 7,
  Trace = 8,
  /**
   * The finish of a task's first attempt planned by {@link idealPlan} when attempts cannot be
   * paused: the payload is the task, and the rest of its plan is implied (attempt 1,
   * {@link PERFECT_SUCCESS}), so the finish reads no plan. In a large fleet ~90,000 plans are in
   * flight and each was a cache line or two to fetch again at its finish.
   */
  IdealFirstFinish = 9,
}

type Payload = AttemptPlan | ScenarioJob | number | OfferReply | ScenarioOperation | SimAgentConfig | TaskSpec | TaskView;

/** A paused attempt: its plan, and the work left when it was paused. */
interface PausedAttempt {
  readonly plan: AttemptPlan;
  readonly remainingSeconds: number;
}

/** What one run needs. */
export interface RunOptions {
  /** The scenario run. */
  readonly scenario: Scenario;
  /** The strategy it routes with. */
  readonly strategy: StrategyChoice;
  /** 0-based replication number: selects the random streams. */
  readonly replication: number;
  /** Receives every engine event in order (for `--events`). */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Called every 65,536 events with the share of the run done, in [0, 1] (for progress bars). */
  readonly onProgress?: (fractionDone: number) => void;
  /** Shared decision timer, so that timings can be pooled over replications. */
  readonly decisionTimer?: DecisionTimer;
  /** Another fold over the same events (a `SeriesCollector`, say), fed after the metrics collector. */
  readonly sink?: EventSink;
}

/** Wall-clock figures of one run: kept apart from the simulated, reproducible ones. */
export interface RunTiming {
  /** Wall-clock seconds the run took. */
  readonly wallSeconds: number;
  /** Heap events processed. */
  readonly events: number;
}

/** The outcome of one run. */
export interface RunResult {
  /** Metrics of the measured window. */
  readonly metrics: RunMetrics;
  /** Every task of the run, warm-up included: the conservation ledger. */
  readonly counts: Readonly<TaskCounts>;
  /** Simulated time the run stopped at, seconds. */
  readonly endTimeSeconds: number;
  /** Wall-clock figures. */
  readonly timing: RunTiming;
}

/** Runs one replication of one strategy on a scenario. */
export function runSimulation(options: RunOptions): RunResult {
  const wallStart = performance.now();
  const run = new SimulationRun(options);
  run.execute();
  const { scenario, replication } = options;
  const endTimeSeconds = runEndTime(scenario, run.now);
  const counts = run.engine.counts();
  assertConservation(counts, scenario, options.strategy.label, replication);
  return {
    metrics: run.collector.finish(endTimeSeconds),
    counts,
    endTimeSeconds,
    timing: { wallSeconds: (performance.now() - wallStart) / 1000, events: run.events },
  };
}

/** The state of one run: the engine, the world around it, and the virtual clock. */
class SimulationRun {
  readonly engine: Engine;
  readonly collector: MetricsCollector;
  /** Virtual time of the last event processed. */
  now = 0;
  /** Heap events processed. */
  events = 0;
  private readonly heap = new EventHeap<Payload>();
  private readonly cancelledTimers = new Set<number>();
  /** Each agent's declaration, by index (the scenario's, then those that joined). */
  private readonly configs: SimAgentConfig[];
  /**
   * Each agent's model, made when the agent is first asked for one (its construction draws
   * nothing): an ideal server that only ever runs plain tasks never needs one.
   */
  private readonly agents: (SimAgent | undefined)[];
  /**
   * Each agent's `SimAgent.plainSpeed` as of its last use: while it is above 0 a plain task's
   * start is planned here, from this dense array, without touching the agent's object (at
   * 100,000 agents a cache miss or two of its own at every start).
   */
  private readonly plainSpeeds: number[];
  private readonly factory: TaskFactory;
  private readonly clock: ArrivalClock;
  private readonly outcomes: OutcomeStreams;
  private generated = 0;
  /** The next generated arrival: its time (Infinity when none) and its place among same-time events. */
  private arrivalAt = Number.POSITIVE_INFINITY;
  private arrivalSeq = 0;
  private readonly stopTime: number;
  private readonly stopTasks: number;
  /**
   * Plans of finished attempts, reused for new ones (an attempt's plan lives until its finish
   * event): a stack of `spareCount` entries kept by index, which the optimiser inlines where it
   * leaves `Array.prototype.push` as a call.
   */
  private readonly sparePlans: AttemptPlan[] = [];
  private spareCount = 0;
  /** Running attempts' plans by task, kept only when attempts can be paused. */
  private readonly runningPlans: Map<TaskView, AttemptPlan> | undefined;
  private readonly pausedAttempts = new Map<TaskView, PausedAttempt>();
  private readonly workflows: WorkflowStream[];
  /** The trace being replayed, if the workload has one. */
  private readonly trace: TraceReplay | undefined;
  private readonly names: FleetNames;
  /** What {@link prefetchNextFinish} read, folded so that the optimiser keeps the reads. */
  private prefetched = 0;
  /** Where scenario operations go: engine inputs, each followed by carrying out its commands. */
  private readonly operator: OperationTarget;

  constructor(private readonly options: RunOptions) {
    const { scenario, replication } = options;
    ({ engine: this.engine, collector: this.collector } = createRunEngine(options));
    this.configs = scenario.agents.slice();
    this.agents = new Array<SimAgent | undefined>(this.configs.length).fill(undefined);
    this.plainSpeeds = this.configs.map((config) => SimAgent.plainSpeedOf(config));
    ({ factory: this.factory, arrivals: this.clock, workflows: this.workflows, trace: this.trace } = workloadSources(scenario, replication));
    this.outcomes = outcomeStreams(scenario.seed, replication);
    this.stopTime = scenario.stop.timeSeconds;
    this.stopTasks = scenario.stop.tasks;
    const pausable = scenario.engine.preemption !== 'none' || scenario.operations.some((op) => op.op === 'pause');
    this.runningPlans = pausable ? new Map() : undefined;
    this.names = new FleetNames(scenario);
    this.operator = {
      admin: (operation) => {
        this.engine.admin(this.now, operation);
        this.drainOutputs();
      },
      agentLeft: (agentId) => {
        this.engine.agentLeft(this.now, agentId);
        this.drainOutputs();
      },
      join: (config) => {
        this.join(config);
        this.drainOutputs();
      },
      liveTasks: () => this.engine.liveTasks(),
    };
  }

  /** Runs to the stop condition. */
  execute(): void {
    const { scenario, onProgress } = this.options;
    const { timeSeconds: stopTime, tasks: stopTasks, drain } = scenario.stop;
    for (const config of scenario.agents) this.engine.agentJoined(0, config.spec);
    this.drainOutputs();
    for (const job of scenario.workload.jobs) if (job.atSeconds <= stopTime) this.heap.push(job.atSeconds, Kind.Job, job);
    for (const operation of scenario.operations) if (operation.atSeconds <= stopTime) this.heap.push(operation.atSeconds, Kind.Operation, operation);
    this.workflows.forEach((_, i) => this.scheduleWorkflow(i));
    this.scheduleTrace();
    if (stopTasks > 0) this.scheduleArrival(this.clock.next(0));
    const heap = this.heap;
    for (;;) {
      // The next arrival waits outside the heap (one fewer push and pop per task), ordered
      // against it by (time, sequence number) exactly as if it had been pushed.
      const heapTime = heap.peekTime();
      const arrivalFirst = this.arrivalAt < heapTime || (this.arrivalAt === heapTime && this.arrivalSeq < heap.peekSeq());
      const time = arrivalFirst ? this.arrivalAt : heapTime;
      if (time === Number.POSITIVE_INFINITY || (!drain && time > stopTime)) {
        this.trace?.close();
        break;
      }
      if (arrivalFirst) {
        this.now = time;
        this.arrive();
      } else {
        const payload = heap.pop();
        const kind = heap.poppedKind;
        if (kind === Kind.Timer && this.cancelledTimers.delete(payload as number)) continue;
        this.now = heap.poppedTime;
        this.prefetchNextFinish();
        this.step(kind, payload);
      }
      this.events++;
      this.drainOutputs();
      if ((this.events & 0xffff) === 0 && onProgress !== undefined) {
        onProgress(Math.min(1, Math.max(this.generated / stopTasks, this.now / stopTime)));
      }
    }
  }

  /**
   * Reads the record of the task whose finish is now the heap's earliest entry, an event or two
   * before that finish comes: a software prefetch. In a large fleet that record was last
   * touched when its attempt started, ~0.9 events per agent ago, and has left the caches; read
   * at its finish, its miss stalls the engine's first look at it (the owner, state and attempt
   * checks) and everything that waits on those. Read here, the miss is in flight while the
   * current event is carried out. Reads only: what the run does and reports is unchanged.
   */
  private prefetchNextFinish(): void {
    const heap = this.heap;
    const kind = heap.peekKind();
    if (kind === Kind.IdealFirstFinish) this.prefetched ^= (heap.peekPayload() as TaskView).attempt;
    else if (kind === Kind.Finish) this.prefetched ^= (heap.peekPayload() as AttemptPlan).task.attempt;
  }

  /** Feeds one heap event to the engine. */
  private step(kind: number, payload: Payload | undefined): void {
    const now = this.now;
    switch (kind) {
      case Kind.Finish: {
        const finish = payload as AttemptPlan;
        if (finish.cancelled) break; // paused: its remainder is scheduled when it resumes
        if (this.runningPlans !== undefined && this.runningPlans.get(finish.task) === finish) this.runningPlans.delete(finish.task);
        this.engine.finished(now, finish.task, finish.attempt, finish.outcome);
        this.sparePlans[this.spareCount++] = finish;
        break;
      }
      case Kind.IdealFirstFinish:
        this.engine.finished(now, payload as TaskView, 1, PERFECT_SUCCESS);
        break;
      case Kind.OfferAnswer: {
        const reply = payload as OfferReply;
        this.engine.offerAnswered(now, reply.task, reply.agentId, reply.offer, reply.answer, reply.setupTokens);
        break;
      }
      case Kind.Operation:
        applyOperation(payload as ScenarioOperation, this.operator, this.names);
        break;
      case Kind.AgentJoins:
        this.join(payload as SimAgentConfig);
        break;
      case Kind.Workflow:
        this.workflowArrives(payload as number);
        break;
      case Kind.Timer:
        this.engine.timerFired(now, payload as number);
        break;
      case Kind.Job:
        this.engine.submit(now, jobTask(payload as ScenarioJob));
        break;
      case Kind.Trace:
        this.engine.submit(now, payload as TaskSpec);
        this.scheduleTrace();
        break;
      default:
        throw new Error(`unknown heap entry kind ${kind}`);
    }
  }

  /** A generated task arrives now; the next arrival is drawn. */
  private arrive(): void {
    const now = this.now;
    this.arrivalAt = Number.POSITIVE_INFINITY;
    this.engine.submit(now, this.factory.create(this.generated++, now));
    if (this.generated < this.stopTasks) this.scheduleArrival(this.clock.next(now));
  }

  /** An instance of workflow `index` arrives now: its tasks are submitted; the next is drawn. */
  private workflowArrives(index: number): void {
    const workflow = this.workflows[index]!;
    const n = workflow.arrived++;
    const { factory } = workflow;
    for (const spec of factory.arrive(n, this.now)) this.engine.submit(this.now, spec);
    // The graph waits on the decomposition by its first edges, so it is submitted at once.
    if (factory.template.supervisor !== undefined) for (const spec of factory.decomposed(n, this.now)) this.engine.submit(this.now, spec);
    this.scheduleWorkflow(index);
  }

  /** Schedules the next instance of workflow `index`, unless `count` have arrived (or it would come after the stop time). */
  private scheduleWorkflow(index: number): void {
    const workflow = this.workflows[index]!;
    if (workflow.arrived >= workflow.factory.template.count) return;
    const at = workflow.clock.next(this.now);
    if (at < Number.POSITIVE_INFINITY && at <= this.stopTime) this.heap.push(at, Kind.Workflow, index);
  }

  /** Schedules the trace's next task, unless the trace is over (or the task would come after the stop time). */
  private scheduleTrace(): void {
    const next = this.trace?.next();
    if (next === undefined) return;
    if (next.atSeconds > this.stopTime) {
      this.trace!.close();
      return;
    }
    this.heap.push(next.atSeconds, Kind.Trace, next.task);
  }

  /** An agent joins the fleet now (added by an operator, or provisioned by the autoscaler). */
  private join(config: SimAgentConfig): void {
    this.configs.push(config);
    this.agents.push(undefined);
    this.plainSpeeds.push(SimAgent.plainSpeedOf(config));
    this.engine.agentJoined(this.now, config.spec);
  }

  /** Agent `index`'s model, made on first use. */
  private agentModel(index: number): SimAgent {
    return (this.agents[index] ??= new SimAgent(this.configs[index]!));
  }

  private scheduleArrival(at: number): void {
    // `at` is Infinity when arrivals are over; with no stop time, Infinity <= stopTime holds too.
    if (at < Number.POSITIVE_INFINITY && at <= this.stopTime) {
      this.arrivalAt = at;
      this.arrivalSeq = this.heap.reserveSeq();
    }
  }

  /** Carries out the engine's commands (its events went to the collector as they happened). */
  private drainOutputs(): void {
    const engine = this.engine;
    for (let command = engine.pollCommand(); command !== undefined; command = engine.pollCommand()) this.carryOut(command);
  }

  private carryOut(command: Command): void {
    switch (command.kind) {
      case 'start': {
        const { task, agent, attempt } = command;
        const index = agent.index;
        const plainSpeed = this.plainSpeeds[index]!;
        const plain = plainSpeed > 0 && runsPlainly(task);
        if (plain && attempt === 1 && this.runningPlans === undefined) {
          // idealPlan's start and finish, without its plan (see Kind.IdealFirstFinish).
          const durationSeconds = task.spec.tokens / plainSpeed;
          this.engine.started(this.now, task, attempt, IDEAL_START);
          this.heap.push(this.now + durationSeconds, Kind.IdealFirstFinish, task);
          break;
        }
        const spare = this.spareCount > 0 ? this.sparePlans[--this.spareCount] : undefined;
        let plan: AttemptPlan;
        if (plain) {
          plan = idealPlan(spare ?? new AttemptPlan(), task, attempt, plainSpeed);
        } else {
          const model = this.agentModel(index);
          plan = model.begin(task, agent, attempt, this.outcomes, spare);
          this.plainSpeeds[index] = model.plainSpeed;
        }
        this.engine.started(this.now, task, attempt, plan);
        this.heap.push(this.now + plan.durationSeconds, Kind.Finish, plan);
        if (this.runningPlans !== undefined) {
          plan.finishAt = this.now + plan.durationSeconds;
          this.runningPlans.set(task, plan);
        }
        break;
      }
      case 'offer': {
        const model = this.agentModel(command.agent.index);
        const reply = model.answerOffer(command.task, command.agent, command.offer, this.outcomes);
        this.plainSpeeds[command.agent.index] = model.plainSpeed;
        this.heap.push(this.now + reply.delaySeconds, Kind.OfferAnswer, reply);
        break;
      }
      case 'withdraw':
        // The agent stops preparing; an answer already on its way arrives and is recorded as late.
        break;
      case 'pause': {
        const plan = this.runningPlans?.get(command.task);
        if (plan === undefined) throw new Error(`pause of ${command.task.spec.id}, which has no running plan`);
        plan.cancelled = true;
        this.runningPlans!.delete(command.task);
        this.pausedAttempts.set(command.task, { plan, remainingSeconds: plan.finishAt - this.now });
        break;
      }
      case 'resume': {
        const paused = this.pausedAttempts.get(command.task);
        if (paused === undefined) throw new Error(`resume of ${command.task.spec.id}, which was not paused`);
        this.pausedAttempts.delete(command.task);
        const plan = paused.plan.copy();
        plan.finishAt = this.now + paused.remainingSeconds;
        this.runningPlans!.set(command.task, plan);
        this.heap.push(plan.finishAt, Kind.Finish, plan);
        break;
      }
      case 'provision': {
        const { config, coldStartSeconds } = this.names.provisioned(command.pool);
        this.heap.push(this.now + coldStartSeconds, Kind.AgentJoins, config);
        break;
      }
      case 'retire':
        break;
      case 'abort':
        // The attempt's finish stays scheduled; the engine records it as stale when it comes.
        break;
      case 'setTimer':
        this.heap.push(command.at, Kind.Timer, command.timerId);
        break;
      case 'cancelTimer':
        this.cancelledTimers.add(command.timerId);
        break;
      case 'prewarm': {
        const model = this.agentModel(command.agent.index);
        model.prewarm(command.contextKey, command.contextTokens);
        this.plainSpeeds[command.agent.index] = model.plainSpeed;
        break;
      }
      default: {
        const unreachable: never = command;
        throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
      }
    }
  }
}
