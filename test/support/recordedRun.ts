/**
 * A simulated run's engine inputs, recorded as the `EngineInput` log a live service writes to
 * its write-ahead log, and an engine fed such a log: what snapshot tests replay, cut and resume.
 *
 * Recording wraps the input methods of `Engine.prototype` while `runSimulation` runs (the
 * simulator builds its engine inside), copying every input as it is made.
 */
import { readdirSync } from 'node:fs';
import { createEngine, Engine, type EngineOptions } from '../../src/engine/engine.js';
import { eventRecord } from '../../src/engine/eventRecord.js';
import { EventObjects } from '../../src/engine/eventSink.js';
import type { AgentReport, Command, EngineInput, Outcome, StartReport } from '../../src/engine/messages.js';
import { restoreEngine } from '../../src/engine/snapshot.js';
import type { EngineSnapshot } from '../../src/engine/snapshotFormat.js';
import type { TaskId, TaskView } from '../../src/engine/task.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario, StrategyChoice } from '../../src/scenario/types.js';
import { stream, type StreamName } from '../../src/sim/random.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { findStrategy } from '../../src/strategies/index.js';

const INPUTS = ['submit', 'started', 'finished', 'timerFired', 'agentJoined', 'agentLeft', 'cancel', 'offerAnswered', 'admin'] as const;

type Of<K extends EngineInput['kind']> = Extract<EngineInput, { readonly kind: K }>;

function idOf(task: TaskId | TaskView): TaskId {
  return typeof task === 'string' ? task : task.spec.id;
}

function copyAgent(agent: AgentReport | undefined): { agent?: AgentReport } {
  return agent === undefined ? {} : { agent: { contextUtilization: agent.contextUtilization, residentKeys: new Set(agent.residentKeys) } };
}

/** The input a call of `method` with `args` makes, copied (drivers may reuse what they pass). */
function inputOf(method: (typeof INPUTS)[number], args: unknown[]): EngineInput {
  const now = args[0] as number;
  switch (method) {
    case 'submit': return { kind: 'submit', now, task: args[1] as Of<'submit'>['task'] };
    case 'started': {
      const report = args[3] as StartReport;
      return { kind: 'started', now, taskId: idOf(args[1] as TaskId), attempt: args[2] as number, report: { ...report, ...copyAgent(report.agent) } };
    }
    case 'finished': {
      const outcome = args[3] as Outcome;
      return { kind: 'finished', now, taskId: idOf(args[1] as TaskId), attempt: args[2] as number, outcome: { ...outcome, ...copyAgent(outcome.agent) } as Outcome };
    }
    case 'timerFired': return { kind: 'timer', now, timerId: args[1] as number };
    case 'agentJoined': return { kind: 'agentJoined', now, agent: args[1] as Of<'agentJoined'>['agent'] };
    case 'agentLeft': return { kind: 'agentLeft', now, agentId: args[1] as string };
    case 'cancel': return { kind: 'cancel', now, taskId: args[1] as string };
    case 'offerAnswered':
      return {
        kind: 'offerAnswered', now, taskId: idOf(args[1] as TaskId), agentId: args[2] as string, offer: args[3] as number,
        answer: args[4] as Of<'offerAnswered'>['answer'], setupTokens: (args[5] as number | undefined) ?? 0,
      };
    case 'admin': return { kind: 'admin', now, operation: args[1] as Of<'admin'>['operation'] };
  }
}

/** A simulated run's inputs, in order, and its events as JSON lines. */
export interface RecordedRun {
  /** Every input the simulator fed the engine, in order (the calls `handle` makes itself not counted again). */
  readonly inputs: readonly EngineInput[];
  /** Its events as JSON lines, in the order they were emitted. */
  readonly lines: readonly string[];
}

/** Runs replication 0 of `strategy` on `scenario` in the simulator, recording every engine input. */
export function recordRun(scenario: Scenario, strategy: StrategyChoice): RecordedRun {
  const inputs: EngineInput[] = [];
  const lines: string[] = [];
  const proto = Engine.prototype as unknown as Record<string, (...args: unknown[]) => void>;
  const originals = INPUTS.map((method) => proto[method]!);
  let depth = 0;
  INPUTS.forEach((method, i) => {
    proto[method] = function (this: Engine, ...args: unknown[]): void {
      // `handle` calls the methods: record the outer call only.
      if (depth === 0) inputs.push(inputOf(method, args));
      depth++;
      try {
        originals[i]!.apply(this, args);
      } finally {
        depth--;
      }
    };
  });
  try {
    runSimulation({ scenario, strategy, replication: 0, onEvent: (event) => lines.push(JSON.stringify(eventRecord(event))) });
  } finally {
    INPUTS.forEach((method, i) => (proto[method] = originals[i]!));
  }
  return { inputs, lines };
}

/** A seeded generator that counts its draws, so that a copy can be brought to the same point. */
export class CountedStream {
  /** Draws taken so far, the skipped ones included. */
  draws = 0;
  private readonly next: () => number;

  /** Stream `name` of `seed` (replication 0), advanced by `skip` draws: a copy of a stream of theirs that has drawn that many. */
  constructor(private readonly seed: number, private readonly name: StreamName, skip = 0) {
    this.next = stream(seed, 0, name);
    for (let i = 0; i < skip; i++) this.draw();
  }

  /** The next draw, counted: what the engine is given as its generator (bound, so it may be passed alone). */
  readonly draw = (): number => {
    this.draws++;
    return this.next();
  };

  /** A new stream at the same point as this one. */
  copy(): CountedStream {
    return new CountedStream(this.seed, this.name, this.draws);
  }
}

/** A command as data (start, offer, pause and resume commands name their task and agent by id). */
export function commandRecord(command: Command): string {
  switch (command.kind) {
    case 'start':
    case 'pause':
    case 'resume':
      return JSON.stringify({ kind: command.kind, task: command.task.spec.id, agent: command.agent.spec.id, attempt: command.attempt });
    case 'offer': return JSON.stringify({ kind: command.kind, task: command.task.spec.id, agent: command.agent.spec.id, offer: command.offer });
    case 'prewarm': return JSON.stringify({ ...command, agent: command.agent.spec.id });
    default: return JSON.stringify(command);
  }
}

/** An engine for a scenario and strategy with counted streams, recording what it emits. */
export class FedEngine {
  /** The engine fed: a new one, or one restored or built from `start`. */
  readonly engine: Engine;
  /** Its events as JSON lines, in the order they were emitted. */
  readonly lines: string[] = [];
  /** Its commands as {@link commandRecord} writes them, in the order {@link FedEngine.feed} drained them. */
  readonly commands: string[] = [];

  /**
   * @param streams - the strategy's and the engine's generators (fresh ones seeded by the scenario by default);
   * @param start - start from this snapshot instead of an empty engine, or from the engine this
   *   function builds with the fed engine's options.
   */
  constructor(
    scenario: Scenario,
    strategy: StrategyChoice,
    readonly streams: { readonly strategy: CountedStream; readonly engine: CountedStream } = {
      strategy: new CountedStream(scenario.seed, 'strategy'),
      engine: new CountedStream(scenario.seed, 'engine'),
    },
    start?: EngineSnapshot | ((options: EngineOptions) => Engine),
  ) {
    const definition = findStrategy(strategy.name);
    if (definition === undefined) throw new Error(`unknown strategy ${strategy.name}`);
    const options: EngineOptions = {
      config: scenario.engine,
      strategy: definition.create(strategy.params),
      strategyRandom: streams.strategy.draw,
      engineRandom: streams.engine.draw,
      events: new EventObjects((event) => this.lines.push(JSON.stringify(eventRecord(event)))),
    };
    this.engine = start === undefined ? createEngine(options) : typeof start === 'function' ? start(options) : restoreEngine(options, start);
  }

  /** Feeds `inputs`, draining the commands after each. */
  feed(inputs: readonly EngineInput[]): void {
    for (const input of inputs) {
      this.engine.handle(input);
      for (let command = this.engine.pollCommand(); command !== undefined; command = this.engine.pollCommand()) this.commands.push(commandRecord(command));
    }
  }
}

const LIBRARY = 'scenarios';
/** Stop times that keep each recorded run to a few thousand inputs (as the conformance tests). */
const HORIZON_SECONDS: Readonly<Record<string, number>> = {
  'identical-high-load': 20, 'mmc-check': 300, 'small-vs-large': 400, 'pause-and-drain': 3_300, 'autoscaled-burst': 2_400,
};
const DEFAULT_HORIZON_SECONDS = 600;
const MAX_TASKS = 400;

function shortened(scenario: Scenario): Scenario {
  if (Number.isFinite(scenario.stop.tasks) && scenario.stop.timeSeconds === Number.POSITIVE_INFINITY) {
    return { ...scenario, stop: { ...scenario.stop, tasks: Math.min(scenario.stop.tasks, MAX_TASKS) } };
  }
  const horizon = HORIZON_SECONDS[scenario.name] ?? DEFAULT_HORIZON_SECONDS;
  return { ...scenario, stop: { ...scenario.stop, timeSeconds: Math.min(scenario.stop.timeSeconds, horizon) } };
}

/** The library's scenarios (scenarios/*.yaml, by file name), shortened to a few thousand inputs each. */
export function libraryScenarios(): Scenario[] {
  return readdirSync(LIBRARY).filter((file) => file.endsWith('.yaml')).sort().map((file) => shortened(loadScenario(`${LIBRARY}/${file}`)));
}
