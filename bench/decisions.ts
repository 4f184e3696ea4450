/**
 * Decision cost: wall-clock time of one `pickAgent` call for every registered strategy, at
 * 10, 100, 1,000 and 10,000 agents, under late and early binding.
 *
 * Each measurement first brings an engine to a busy steady state: agents of capacity 1–4 (with
 * skills, tags and a context window, so that every strategy has something to read), about 80% of
 * the slots taken, tasks finishing after exponential service times of mean 1 s and new ones
 * arriving to replace them. Every hook reaches the measured strategy throughout, so its indexes
 * and learned state are those of a live run. To keep the benchmark short at 10,000 agents, the
 * initial fill (one task per taken slot) is placed by power-of-d; the measured strategy then
 * places the next `SETTLE_ARRIVALS` arrivals itself (under late binding, the run goes on to a
 * moment when a slot is free, as the engine asks for a pick only then). Then the engine is left
 * as it is and `pickAgent` is called in batches over 256 different tasks (picking is
 * side-effect free, so every call sees the same state); the figure is the median over batches
 * of the mean time per call.
 */
import seedrandom from 'seedrandom';
import type { AgentSpec, AgentView } from '../src/engine/agent.js';
import { defaultEngineConfig } from '../src/engine/config.js';
import { createEngine, type Engine } from '../src/engine/engine.js';
import type { Outcome } from '../src/engine/messages.js';
import type { Binding, DecisionContext, Strategy } from '../src/engine/strategy.js';
import type { TaskSpec, TaskView } from '../src/engine/task.js';
import { STRATEGIES, findStrategy } from '../src/strategies/index.js';
import { EventHeap } from '../src/sim/eventHeap.js';
import { stream } from '../src/sim/random.js';

/** Fleet sizes measured. */
export const FLEET_SIZES = [10, 100, 1000, 10_000] as const;
/** Share of slots taken at the steady state. */
const LOAD = 0.8;
/** Arrivals the measured strategy places itself before timing. */
const SETTLE_ARRIVALS = 500;
/** Distinct tasks the timed calls cycle through. */
const TASKS = 256;
/** Timed batches per measurement (the first, a JIT warm-up, is dropped). */
const BATCHES = 7;
/** Target wall time of one batch. */
const BATCH_MS = 4;
const TYPES = ['code', 'review'] as const;
const CONTEXT_KEYS = 200;

/** One measurement. */
export interface DecisionCostRow {
  /** Strategy name. */
  readonly strategy: string;
  /** Late or early binding. */
  readonly binding: Binding;
  /** Agents in the fleet. */
  readonly agents: number;
  /** Median over batches of the mean wall time per `pickAgent` call, nanoseconds. */
  readonly nsPerDecision: number;
  /** Calls per batch. */
  readonly callsPerBatch: number;
}

/** Forwards every hook to the measured strategy and picks with `picker` until told otherwise. */
class SteadyStateStrategy implements Strategy {
  readonly name: string;
  ctx: DecisionContext | undefined;
  /** While true, placement is done by `filler`; the measured strategy still sees every hook. */
  filling = true;

  constructor(readonly measured: Strategy, private readonly filler: Strategy) {
    this.name = measured.name;
  }

  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    this.ctx = ctx;
    return (this.filling ? this.filler : this.measured).pickAgent(task, ctx);
  }

  onAssign(task: TaskView, agent: AgentView, ctx: DecisionContext): void {
    this.measured.onAssign?.(task, agent, ctx);
    this.filler.onAssign?.(task, agent, ctx);
  }

  onSettle(task: TaskView, agent: AgentView, outcome: Outcome, ctx: DecisionContext): void {
    this.measured.onSettle?.(task, agent, outcome, ctx);
    this.filler.onSettle?.(task, agent, outcome, ctx);
  }

  onAgentJoined(agent: AgentView, ctx: DecisionContext): void {
    this.ctx = ctx;
    this.measured.onAgentJoined?.(agent, ctx);
    this.filler.onAgentJoined?.(agent, ctx);
  }

  onAgentLeft(agent: AgentView, ctx: DecisionContext): void {
    this.measured.onAgentLeft?.(agent, ctx);
    this.filler.onAgentLeft?.(agent, ctx);
  }

  onAgentLoadChanged(agent: AgentView, ctx: DecisionContext): void {
    this.measured.onAgentLoadChanged?.(agent, ctx);
    this.filler.onAgentLoadChanged?.(agent, ctx);
  }
}

function fresh(name: string): Strategy {
  const definition = findStrategy(name);
  if (definition === undefined) throw new Error(`unknown strategy ${name}`);
  return definition.create(definition.params.parse({}));
}

function agentSpecs(count: number): AgentSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const capacity = 1 + (i % 4);
    return {
      id: `agent-${i}`, capacity, tokensPerSecond: 100, weight: capacity, tags: [`pool-${i % 3}`],
      skills: { code: 0.5 + ((i * 37) % 11) / 20, review: 0.5 + ((i * 53) % 11) / 20 },
      contextWindowTokens: 128_000,
    };
  });
}

/** A task of the benchmark's mix; `draw` decides its attributes. */
function taskSpecOf(id: string, draw: () => number): TaskSpec {
  const key = Math.floor(CONTEXT_KEYS * draw() ** 2); // popular keys first
  return {
    id, type: TYPES[Math.floor(draw() * TYPES.length)]!, priority: Math.floor(draw() * 5),
    tokens: Math.max(1, Math.round(-100 * Math.log(1 - draw()))), contextKey: `key-${key}`, contextTokens: 4000,
  };
}

/** Drives an engine: starts answered at once, finishes after tokens ÷ speed seconds. */
class SteadyDriver {
  readonly engine: Engine;
  private readonly heap = new EventHeap<TaskView>();
  private readonly draw: () => number;
  private readonly speeds: number[];
  private now = 0;
  private submitted = 0;

  constructor(readonly strategy: SteadyStateStrategy, binding: Binding, private readonly agents: AgentSpec[]) {
    this.draw = seedrandom.alea(`decisions/${strategy.name}/${binding}/${agents.length}`);
    this.engine = createEngine({
      config: { ...defaultEngineConfig(), binding },
      strategy,
      // The simulator's generators (Alea), so draws cost what they cost in a run.
      strategyRandom: stream(agents.length, 0, 'strategy'),
      engineRandom: stream(agents.length, 0, 'engine'),
    });
    this.speeds = agents.map((a) => a.tokensPerSecond);
    for (const agent of agents) this.engine.agentJoined(0, agent);
    this.drain();
  }

  /** Submits `count` tasks now. */
  fill(count: number): void {
    for (let i = 0; i < count; i++) this.submit();
  }

  /**
   * Runs until `arrivals` more tasks have arrived (Poisson, replacing finished work), then on
   * until `done()` holds after an event (at most 100,000 more events).
   */
  run(arrivals: number, done: () => boolean = () => true): void {
    const slots = this.agents.reduce((sum, a) => sum + a.capacity, 0);
    const rate = LOAD * slots; // mean service 1 s
    let nextArrival = this.now - Math.log(1 - this.draw()) / rate;
    let arrived = 0;
    for (let extra = 0; arrived < arrivals || !done(); extra += arrived < arrivals ? 0 : 1) {
      if (extra > 100_000) throw new Error(`no steady state reached for ${this.strategy.name} at ${this.agents.length} agents`);
      if (this.heap.size > 0 && this.heap.peekTime() < nextArrival) {
        const task = this.heap.pop()!;
        this.now = this.heap.poppedTime;
        this.engine.finished(this.now, task.spec.id, task.attempt, { ok: true, quality: 1 });
        this.drain();
        continue;
      }
      this.now = nextArrival;
      this.submit();
      arrived++;
      nextArrival = this.now - Math.log(1 - this.draw()) / rate;
    }
  }

  private submit(): void {
    this.engine.submit(this.now, taskSpecOf(`t${this.submitted++}`, this.draw));
    this.drain();
  }

  private drain(): void {
    for (let command = this.engine.pollCommand(); command !== undefined; command = this.engine.pollCommand()) {
      if (command.kind !== 'start') continue; // no timeouts, ttls or failures in this workload
      const { task, agent, attempt } = command;
      this.engine.started(this.now, task.spec.id, attempt, { setupTokens: 0, contextHit: null });
      this.heap.push(this.now + task.spec.tokens / this.speeds[agent.index]!, 0, task);
    }
    while (this.engine.pollEvent() !== undefined) {
      // events are not needed here
    }
  }
}

/** Task views as a strategy sees queued tasks, for the timed calls. */
function timedTasks(draw: () => number): TaskView[] {
  return Array.from({ length: TASKS }, (_, i) => {
    const spec = taskSpecOf(`probe-${i}`, draw);
    return {
      spec, state: 'queued', seq: 1_000_000 + i, submittedAt: 0, attempt: 0, agentIndex: -1, startedAt: Number.NaN,
      failureReason: undefined, priority: spec.priority, offers: 0, rejectionReason: undefined,
    };
  });
}

/** Mean nanoseconds per call over `calls` calls. */
function timeBatch(strategy: Strategy, ctx: DecisionContext, tasks: readonly TaskView[], calls: number): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const picked = strategy.pickAgent(tasks[i % TASKS]!, ctx);
    sink += picked === undefined ? 1 : picked.index;
  }
  const elapsed = Number(process.hrtime.bigint() - start);
  if (sink < 0) throw new Error('unreachable'); // keeps the calls observable
  return elapsed / calls;
}

/** Decision cost of one strategy at one fleet size and binding. */
export function measureDecisionCost(name: string, agents: number, binding: Binding): DecisionCostRow {
  const specs = agentSpecs(agents);
  const strategy = new SteadyStateStrategy(fresh(name), fresh('power-of-d'));
  const driver = new SteadyDriver(strategy, binding, specs);
  driver.fill(Math.round(LOAD * specs.reduce((sum, a) => sum + a.capacity, 0)));
  strategy.filling = false;
  // Late binding asks for a pick only while a slot is free: time the calls in such a state.
  driver.run(SETTLE_ARRIVALS, () => binding === 'early' || strategy.ctx!.fleet.freeSlots > 0);
  const ctx = strategy.ctx!;
  const tasks = timedTasks(seedrandom.alea(`decisions/probes/${agents}`));
  const probe = timeBatch(strategy.measured, ctx, tasks, 64);
  const calls = Math.max(64, Math.min(200_000, Math.round((BATCH_MS * 1e6) / Math.max(probe, 1))));
  const batches = Array.from({ length: BATCHES }, () => timeBatch(strategy.measured, ctx, tasks, calls)).slice(1);
  batches.sort((a, b) => a - b);
  return { strategy: name, binding, agents, nsPerDecision: batches[batches.length >> 1]!, callsPerBatch: calls };
}

/** Every registered strategy × fleet size × binding. */
export function measureDecisionCosts(bindings: readonly Binding[] = ['late', 'early']): DecisionCostRow[] {
  const rows: DecisionCostRow[] = [];
  for (const definition of STRATEGIES) {
    for (const binding of bindings) {
      // The first measurement of a strategy runs before the JIT has optimized its code: discard it.
      measureDecisionCost(definition.name, FLEET_SIZES[0], binding);
      for (const agents of FLEET_SIZES) rows.push(measureDecisionCost(definition.name, agents, binding));
    }
  }
  return rows;
}

/** The rows as a table: one line per strategy and binding, one column per fleet size. */
export function formatDecisionCosts(rows: readonly DecisionCostRow[]): string {
  const format = (ns: number): string => (ns < 1000 ? `${ns.toFixed(0)} ns` : `${(ns / 1000).toFixed(ns < 10_000 ? 2 : 1)} µs`);
  const header = `  ${'strategy'.padEnd(22)} ${'binding'.padEnd(7)} ${FLEET_SIZES.map((n) => `${n.toLocaleString('en-US')} agents`.padStart(14)).join('')}`;
  const lines = [header];
  const keys = [...new Set(rows.map((r) => `${r.strategy}\u0000${r.binding}`))];
  for (const key of keys) {
    const [strategy, binding] = key.split('\u0000') as [string, Binding];
    const cells = FLEET_SIZES.map((n) => {
      const row = rows.find((r) => r.strategy === strategy && r.binding === binding && r.agents === n);
      return (row === undefined ? '-' : format(row.nsPerDecision)).padStart(14);
    });
    lines.push(`  ${strategy.padEnd(22)} ${binding.padEnd(7)} ${cells.join('')}`);
  }
  return lines.join('\n');
}
