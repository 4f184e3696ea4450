/**
 * A scenario run through the live driver: the scenario's workload (generated arrivals, listed
 * jobs, workflow instances), its operations and its agents (the simulator's agent model, as
 * {@link EmulatedAgents}) put on a {@link Clock}, with the live driver between them and the
 * engine. On a {@link ManualClock} that jumps from one due timer to the next it reproduces
 * `runSimulation` exactly (same events in the same order, same metrics): that is the proof that
 * the live driver carries out the engine's commands as the simulator does. On a
 * {@link RealClock} the same run takes real time. With a {@link VirtualTimeConnector} on the
 * manual clock, the agents answer from elsewhere (over BullMQ, in other processes) and the run is
 * still the simulation's, byte for byte.
 *
 * Tie order: the simulator orders events of equal time by when they were scheduled; here every
 * timer takes a clock ticket at the moment the simulator would have pushed its event, so the
 * manual clock fires them in the same order. That is why the next arrival is scheduled before
 * the current one is submitted (the simulator reserves its place before carrying out the
 * submission's commands), and why a workflow instance's tasks are submitted as one batch.
 */
import type { MetricsCollector } from '../metrics/collector.js';
import type { Scenario } from '../scenario/types.js';
import { FleetNames } from '../sim/fleetNames.js';
import { applyOperation, type OperationTarget } from '../sim/operations.js';
import { assertConservation, createRunEngine, runEndTime } from '../sim/runEngine.js';
import type { RunOptions, RunResult } from '../sim/simulation.js';
import { jobTask, type ArrivalClock, type TaskFactory } from '../sim/workload.js';
import { workloadSources, type WorkflowStream } from '../sim/workloadSources.js';
import type { TraceReplay } from '../traces/traceReplay.js';
import { ManualClock, type Clock, type TimerHandle } from './clock.js';
import { createLiveDriver, type LiveDriver, type LiveDriverError } from './driver.js';
import { EmulatedAgents } from './emulatedAgents.js';
import type { AgentConnector } from './connector.js';
import type { Journal } from './journal.js';
import { VirtualTimeConnector } from './virtualTimeConnector.js';

/** How {@link runLive} runs. */
export interface LiveRunOptions {
  /**
   * The clock (default: a new {@link ManualClock} at 0). A manual clock is stepped from one due
   * timer to the next; any other clock runs in real time: a scenario that drains (`stop.drain`),
   * or has no stop time, ends when every task is final, any other at its stop time, with what is
   * in flight then left in flight (counted in `counts.inFlight`), as the simulator stops.
   */
  readonly clock?: Clock;
  /** Where the driver records every input before feeding it (see `LiveDriverOptions.journal`). */
  readonly journal?: Journal;
  /**
   * Carries out the engine's commands instead of the emulated agents (e.g. agents over BullMQ
   * that run the same model elsewhere). On a real clock its answers come when they come; on a
   * manual clock it must be a {@link VirtualTimeConnector} on that clock (agents that answer at
   * once and report how long they took), and the clock moves only when it has nothing in flight.
   */
  readonly connector?: AgentConnector;
}

/** Lets every promise settled so far run its reactions (they all run before the next macrotask). */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The connector of a run on a manual clock, checked: none (the emulated agents), or a
 * {@link VirtualTimeConnector} on that clock, since any other's answers would come at no time of
 * the manual clock's.
 */
function virtualTimeConnector(connector: AgentConnector | undefined, clock: ManualClock): VirtualTimeConnector | undefined {
  if (connector === undefined) return undefined;
  if (!(connector instanceof VirtualTimeConnector)) {
    throw new Error('runLive: a connector on a manual clock must be wrapped in a VirtualTimeConnector (agents that answer at once and report how long they took; see docs/LIVE.md)');
  }
  if (connector.clock !== clock) throw new Error('runLive: the VirtualTimeConnector runs on another clock than the run');
  return connector;
}

/**
 * Waits until the virtual-time connector has nothing in flight and every reaction to what it
 * released has run (a failed attempt's reaction may start another).
 */
async function quiescent(connector: VirtualTimeConnector): Promise<void> {
  await settled();
  do {
    // Called even with nothing in flight: it also rejects with a failure of a command it had held.
    await connector.idle();
    await settled();
  } while (connector.inFlight > 0);
}

/**
 * Runs one replication of one strategy on a scenario through the live driver, with emulated
 * agents; the result has the shape of `runSimulation`'s (its `timing.events` counts clock
 * timers fired).
 */
export async function runLive(options: RunOptions, live: LiveRunOptions = {}): Promise<RunResult> {
  const wallStart = performance.now();
  const clock = live.clock ?? new ManualClock();
  const virtual = clock instanceof ManualClock ? virtualTimeConnector(live.connector, clock) : undefined;
  const run = new LiveScenarioRun(options, clock, live.journal, live.connector);
  run.begin();
  const { scenario, replication } = options;
  let lastEventSeconds = 0;
  let events = 0;
  if (clock instanceof ManualClock) {
    const { timeSeconds: stopTime, tasks: stopTasks, drain } = scenario.stop;
    for (;;) {
      if (virtual !== undefined) {
        await quiescent(virtual);
        run.throwIfFailed();
      }
      const time = clock.nextDueTime();
      if (time === Number.POSITIVE_INFINITY || (!drain && time > stopTime)) break;
      clock.next();
      events++;
      await settled();
      run.throwIfFailed();
      if ((events & 0xffff) === 0 && options.onProgress !== undefined) {
        options.onProgress(Math.min(1, Math.max(run.generated / stopTasks, clock.now() / stopTime)));
      }
    }
    lastEventSeconds = clock.now();
  } else if (scenario.stop.drain || scenario.stop.timeSeconds === Number.POSITIVE_INFINITY) {
    // Without a stop time a run that does not drain ends as one that does: when nothing is left.
    await run.workloadDone;
    await run.driver.stop({ drain: true });
    run.throwIfFailed();
    lastEventSeconds = clock.now();
  } else {
    // As the simulator stops at its stop time: what is in flight then stays in flight, counted so.
    await new Promise<void>((resolve) => clock.setTimer(scenario.stop.timeSeconds, resolve));
    run.close();
    run.throwIfFailed();
    lastEventSeconds = scenario.stop.timeSeconds;
  }
  const endTimeSeconds = runEndTime(scenario, lastEventSeconds);
  const counts = { ...run.driver.engine.counts() };
  assertConservation(counts, scenario, options.strategy.label, replication);
  return {
    metrics: run.collector.finish(endTimeSeconds),
    counts,
    endTimeSeconds,
    timing: { wallSeconds: (performance.now() - wallStart) / 1000, events },
  };
}

/** The world of one scenario run around a live driver: workload, operations, emulated agents. */
class LiveScenarioRun {
  readonly driver: LiveDriver;
  readonly collector: MetricsCollector;
  /** Generated arrivals so far. */
  generated = 0;
  /** Resolves once every arrival, job, workflow instance and operation has happened. */
  readonly workloadDone: Promise<void>;
  private readonly scenario: Scenario;
  private readonly agents: EmulatedAgents;
  private readonly names: FleetNames;
  private readonly factory: TaskFactory;
  private readonly arrivals: ArrivalClock;
  private readonly workflows: WorkflowStream[];
  /** The trace being replayed, if the workload has one. */
  private readonly trace: TraceReplay | undefined;
  private readonly operator: OperationTarget;
  private readonly errors: LiveDriverError[] = [];
  /** World timers (arrivals, jobs, workflow instances, operations) not fired yet. */
  private pendingWorld = 0;
  /** World timers not fired yet, cleared by {@link close}. */
  private readonly worldTimers = new Set<TimerHandle>();
  private resolveWorkloadDone: () => void = () => undefined;

  constructor(options: RunOptions, private readonly clock: Clock, journal: Journal | undefined, connector: AgentConnector | undefined) {
    const { scenario, replication } = options;
    this.scenario = scenario;
    const { engine, collector } = createRunEngine(options);
    this.collector = collector;
    this.names = new FleetNames(scenario);
    this.agents = new EmulatedAgents({ scenario, replication, clock, names: this.names });
    this.driver = createLiveDriver({
      engine, clock, connector: connector ?? this.agents, ...(journal === undefined ? {} : { journal }),
      // A scenario's world never hangs and its engine bounds what it holds: the driver's own limits stay out of the way.
      limits: {
        maxInFlightTasks: Number.POSITIVE_INFINITY, maxPendingCalls: Number.POSITIVE_INFINITY,
        attemptTimeoutSeconds: Number.POSITIVE_INFINITY, offerTimeoutSeconds: Number.POSITIVE_INFINITY,
      },
      onError: (error) => this.errors.push(error),
    });
    ({ factory: this.factory, arrivals: this.arrivals, workflows: this.workflows, trace: this.trace } = workloadSources(scenario, replication));
    this.operator = {
      admin: (operation) => this.driver.admin(operation),
      agentLeft: (agentId) => this.driver.agentLeft(agentId),
      join: (config) => {
        this.agents.addAgent(config);
        this.driver.agentJoined(config.spec);
      },
      liveTasks: () => engine.liveTasks(),
    };
    this.workloadDone = new Promise((resolve) => (this.resolveWorkloadDone = resolve));
  }

  /**
   * Ends the run where it stands: the world's timers still to fire cleared, the driver detached
   * (the engine keeps every task's state; none is cancelled) and the emulated fleet's timers
   * cleared, so that nothing of the run fires later in the process. A connector given by the caller is the
   * caller's to close.
   */
  close(): void {
    for (const timer of this.worldTimers) this.clock.clearTimer(timer);
    this.worldTimers.clear();
    this.driver.detach();
    this.agents.close();
  }

  /** Throws the first error the driver reported (an emulated run has none). */
  throwIfFailed(): void {
    if (this.errors.length > 0) throw this.errors[0]!;
  }

  /** The fleet joins; the workload and operations are scheduled, in the simulator's order. */
  begin(): void {
    const { stop, workload, operations, agents } = this.scenario;
    this.driver.batch(() => {
      for (const config of agents) this.driver.agentJoined(config.spec);
    });
    for (const job of workload.jobs) if (job.atSeconds <= stop.timeSeconds) this.at(job.atSeconds, () => this.driver.submit(jobTask(job)));
    for (const operation of operations) {
      if (operation.atSeconds <= stop.timeSeconds) this.at(operation.atSeconds, () => applyOperation(operation, this.operator, this.names));
    }
    this.workflows.forEach((_, i) => this.scheduleWorkflow(i, 0));
    this.scheduleTrace();
    if (stop.tasks > 0) this.scheduleArrival(this.arrivals.next(0));
    if (this.pendingWorld === 0) this.resolveWorkloadDone();
  }

  /**
   * A world event at `atSeconds`. `happen` is given that time, not the clock's reading when the
   * timer fires: on a real clock a timer fires a little late, and a workload that drew its next
   * arrival from the late reading would drift behind its own schedule (at 24 arrivals a second and
   * ~1 ms a timer, ~2% fewer arrivals than the scenario's rate).
   */
  private at(atSeconds: number, happen: (atSeconds: number) => void): void {
    this.pendingWorld++;
    const timer = this.clock.setTimer(atSeconds, () => {
      this.worldTimers.delete(timer);
      happen(atSeconds);
      if (--this.pendingWorld === 0) this.resolveWorkloadDone();
    });
    this.worldTimers.add(timer);
  }

  private scheduleArrival(at: number): void {
    // `at` is Infinity when arrivals are over; with no stop time, Infinity <= stopTime holds too.
    if (at < Number.POSITIVE_INFINITY && at <= this.scenario.stop.timeSeconds) this.at(at, (atSeconds) => this.arrive(atSeconds));
  }

  /** A generated task arrives, due at `atSeconds`: the next arrival takes its place in time before this one is submitted, as in the simulator. */
  private arrive(atSeconds: number): void {
    const spec = this.factory.create(this.generated++, atSeconds);
    if (this.generated < this.scenario.stop.tasks) this.scheduleArrival(this.arrivals.next(atSeconds));
    this.driver.submit(spec);
  }

  /** Schedules the trace's next task, as the simulator does: after the previous one is submitted, unless the trace is over or past the stop time. */
  private scheduleTrace(): void {
    const next = this.trace?.next();
    if (next === undefined) return;
    if (next.atSeconds > this.scenario.stop.timeSeconds) {
      this.trace!.close();
      return;
    }
    this.at(next.atSeconds, () => {
      this.driver.submit(next.task);
      this.scheduleTrace();
    });
  }

  /** Schedules the next instance of workflow `index`, drawn from `fromSeconds` (the previous instance's due time). */
  private scheduleWorkflow(index: number, fromSeconds: number): void {
    const workflow = this.workflows[index]!;
    if (workflow.arrived >= workflow.factory.template.count) return;
    const at = workflow.clock.next(fromSeconds);
    if (at < Number.POSITIVE_INFINITY && at <= this.scenario.stop.timeSeconds) this.at(at, (atSeconds) => this.workflowArrives(index, atSeconds));
  }

  /** An instance of workflow `index` arrives, due at `now`: its whole graph is submitted at once. */
  private workflowArrives(index: number, now: number): void {
    const workflow = this.workflows[index]!;
    const n = workflow.arrived++;
    const { factory } = workflow;
    const specs = [...factory.arrive(n, now)];
    // The graph waits on the decomposition by its first edges, so it is submitted at once.
    if (factory.template.supervisor !== undefined) specs.push(...factory.decomposed(n, now));
    this.scheduleWorkflow(index, now);
    this.driver.batch(() => {
      for (const spec of specs) this.driver.submit(spec);
    });
  }
}
