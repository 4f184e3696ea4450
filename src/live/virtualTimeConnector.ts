/**
 * Agents elsewhere, replayed in virtual time: a decorator of any {@link AgentConnector} for a live
 * driver on a {@link ManualClock}. The agents behind the inner connector answer at once and say
 * how long each attempt took on their own clock (`AttemptContext.ranFor`); this connector makes
 * the attempt take that long on the manual clock, as `EmulatedAgents` makes the simulator's agent
 * model take its planned time. It is the manual-clock counterpart of real agents taking their
 * time: with it, a run whose agents answer from other processes (over Redis, with
 * `fleetsim agent-worker --virtual-time`) reproduces the simulator byte for byte (`runLive` with
 * a connector on a manual clock), and a recorded or emulated fleet can be replayed faster than
 * real time.
 *
 * How the driver's inputs stay the simulator's (docs/LIVE.md, "Conformance"):
 * - An attempt's end takes its clock ticket when `start` is called, where the simulator pushes
 *   its finish event; it is set on the clock with that ticket once the agent has answered. A
 *   resumed attempt takes a fresh ticket when it resumes, as the simulator's does.
 * - The simulator feeds a start report inside the drain that carries out the start; here the
 *   reports come back later. They are held and released in the order the starts were made, each
 *   once its agent has answered (report and result), and always from a promise reaction, never
 *   inside a driver input: the engine then gets the same inputs in the same order, and what a
 *   report makes it command is carried out after every start of the same drain, as in the
 *   simulator, where those commands queue behind the starts.
 * - The clock may move only when nothing is in flight: {@link VirtualTimeConnector.idle} resolves
 *   once every start made so far has been answered and its report released (runLive awaits it
 *   before every step of the clock).
 *
 * Pause and resume act on the virtual clock alone (the agent's work is done): a paused attempt's
 * end no longer applies (its timer still fires, doing nothing, as the simulator's event does),
 * and its remaining time runs again from the resume. An abort is not passed on, for the same
 * reason: the result comes at the attempt's virtual end and the engine records it as stale, as
 * in the simulator. An offer is passed on when the inner connector makes offers: its agent
 * answers at once with the seconds its answer took (`OfferResponse.delaySeconds`), and the answer
 * is delivered that long after the offer, with a clock ticket taken at the offer (a withdrawal is
 * not passed on: the answer comes and the engine records it as late, as in the simulator).
 * Prewarm and retire are passed on when the inner connector has them. A provision is passed on
 * when the inner connector provisions: its provisioner answers at once with the agent's spec and
 * the seconds its cold start took (`ProvisionContext.readyAfter`), and the agent joins that long
 * after the provision, with a clock ticket taken at the provision, as the simulator schedules it.
 *
 * Per agent, the commands keep the simulator's order on the agent's model although they travel
 * on different channels (attempts on the agent's queue, the others on its control stream): an
 * offer, prewarm or retire is passed on once every earlier start of that agent has been answered
 * (the model has planned it), and a later start once that command has been passed on (the inner
 * connector then has the agent carry the command out before the attempt: see `afterControl` in
 * src/distributed/agentQueues.ts).
 */
import type { AgentSpec } from '../engine/agent.js';
import type { Outcome, StartReport } from '../engine/messages.js';
import type { Clock } from './clock.js';
import type { AgentConnector, AttemptContext, CommandOf, OfferContext, OfferResponse, ProvisionContext } from './connector.js';
import { AttemptEnds } from './attemptEnds.js';
import { externalAgentId } from './service/remoteAgents.js';

/** Options of a {@link VirtualTimeConnector}. */
export interface VirtualTimeConnectorOptions {
  /** The manual clock the driver runs on (the attempts' ends are set on it). */
  readonly clock: Clock;
  /**
   * Real seconds {@link VirtualTimeConnector.idle} waits for an answer before it fails, naming the
   * first attempt still unanswered (an agent that is not running, or not in virtual time).
   * @defaultValue 60
   */
  readonly stallSeconds?: number;
}

/** An attempt from its start until its agent has answered and its report is released. */
interface StartingAttempt {
  readonly taskId: string;
  readonly attempt: number;
  /** The engine's id of its agent. */
  readonly agentId: string;
  readonly label: string;
  readonly context: AttemptContext;
  readonly startSeconds: number;
  /** The clock ticket of its end, reserved at the start. */
  readonly ticket: number;
  readonly settle: (outcome: Outcome) => void;
  readonly fail: (error: Error) => void;
  report: StartReport | undefined;
  durationSeconds: number | undefined;
  answer: { readonly outcome: Outcome } | { readonly error: Error } | undefined;
  /** Passes the start on to the inner connector; undefined once passed on. */
  send: (() => void) | undefined;
}

/** A command other than a start, held until the agent's earlier starts are answered. */
interface HeldCommand {
  /** Passes the command on; undefined once passed on. */
  send: (() => void) | undefined;
}

const DEFAULT_STALL_SECONDS = 60;

/** Makes the attempts of agents that answer at once take their reported durations on a manual clock. */
export class VirtualTimeConnector implements AgentConnector {
  /** The clock the attempts' ends are set on. */
  readonly clock: Clock;
  /** Passed on to the inner connector, when it has it. */
  readonly prewarm?: (command: CommandOf<'prewarm'>) => void;
  /** Passed on to the inner connector, when it has it. */
  readonly retire?: (command: CommandOf<'retire'>) => void;
  /** Passed on to the inner connector, when it makes offers; the answer is delivered after its `delaySeconds`. */
  readonly offer?: (command: CommandOf<'offer'>, context: OfferContext) => Promise<OfferResponse>;
  /** Passed on to the inner connector, when it provisions; the agent joins after its reported cold start. */
  readonly provision?: (command: CommandOf<'provision'>, context?: ProvisionContext) => Promise<AgentSpec>;
  private readonly stallMs: number;
  /** Started attempts not yet answered or released, in the order of their starts. */
  private readonly starting: StartingAttempt[] = [];
  private readonly ends: AttemptEnds;
  private readonly idleWaiters: (() => void)[] = [];
  /** Offers made and not yet answered by their agent, and provisions not yet answered by their provisioner. */
  private answersAwaited = 0;
  /** What the inner connector threw on the first command passed on after it was held. */
  private heldFailure: Error | undefined;
  /** Per agent (its id outside the engine), its starts and other commands in order, until passed on and (starts) answered. */
  private readonly lanes = new Map<string, (StartingAttempt | HeldCommand)[]>();

  /** @param inner - the connector to the agents; @param options - see {@link VirtualTimeConnectorOptions}. */
  constructor(private readonly inner: AgentConnector, options: VirtualTimeConnectorOptions) {
    this.clock = options.clock;
    this.ends = new AttemptEnds(options.clock, 'virtual-time connector');
    const stallSeconds = options.stallSeconds ?? DEFAULT_STALL_SECONDS;
    if (!(stallSeconds > 0)) throw new Error(`VirtualTimeConnector: stallSeconds must be > 0, got ${stallSeconds}`);
    this.stallMs = stallSeconds * 1000;
    if (inner.prewarm !== undefined) {
      this.prewarm = (command) => {
        const held = { ...command, agent: { ...command.agent } };
        this.inOrder(command.agent.spec.id, () => inner.prewarm?.(held));
      };
    }
    if (inner.retire !== undefined) this.retire = (command) => this.inOrder(command.agentId, () => inner.retire?.(command));
    if (inner.offer !== undefined) this.offer = (command) => this.offerInVirtualTime(command);
    if (inner.provision !== undefined) this.provision = (command, context) => this.provisionInVirtualTime(command, context);
  }

  /** Attempts started and not yet answered (or answered and waiting for an earlier one's answer), and offers not yet answered. */
  get inFlight(): number {
    return this.starting.length + this.answersAwaited;
  }

  /**
   * Resolves once nothing is in flight. Rejects when no answer has come for `stallSeconds` of real
   * time, naming the first attempt waited for, or when the inner connector threw on a command
   * passed on after it was held (one passed on at once throws to its caller).
   */
  idle(): Promise<void> {
    if (this.heldFailure !== undefined) return Promise.reject(this.heldFailure);
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const first = this.starting[0];
        const waited = first === undefined ? `${this.answersAwaited} offer(s) or provision(s)` : `${this.starting.length} attempt(s), the first ${first.label}`;
        reject(new Error(`virtual-time connector: no answer within ${this.stallMs / 1000} s to ${waited} (is its agent running, in virtual time?)`));
      }, this.stallMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        if (this.heldFailure === undefined) resolve();
        else reject(this.heldFailure);
      });
    });
  }

  /** {@inheritDoc AgentConnector.start} */
  start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome> {
    const taskId = command.task.spec.id;
    return new Promise((settle, fail) => {
      const attempt: StartingAttempt = {
        taskId, attempt: command.attempt, agentId: command.agent.spec.id,
        label: `${taskId} attempt ${command.attempt} on ${command.agent.spec.id}`,
        context, startSeconds: this.clock.now(), ticket: this.clock.ticket(), settle, fail,
        report: undefined, durationSeconds: undefined, answer: undefined, send: undefined,
      };
      this.starting.push(attempt);
      attempt.send = () => {
        const innerContext: AttemptContext = {
          signal: context.signal,
          started: (report) => { attempt.report ??= report; },
          ranFor: (durationSeconds) => { attempt.durationSeconds ??= durationSeconds; },
        };
        settleWith(() => this.inner.start(command, innerContext)).then(
          (outcome) => this.answered(attempt, { outcome }),
          (error: unknown) => this.answered(attempt, { error: error instanceof Error ? error : new Error(String(error)) }),
        );
      };
      this.lane(command.agent.spec.id).push(attempt);
      this.pump(command.agent.spec.id);
    });
  }

  /** Suspends an attempt's end on the clock; its remaining time runs again on resume. */
  pause(command: CommandOf<'pause'>): void {
    this.ends.pause(command.task.spec.id, command.attempt);
  }

  /** Sets a paused attempt's end again, its remaining time from now. */
  resume(command: CommandOf<'resume'>): void {
    this.ends.resume(command.task.spec.id, command.attempt);
  }

  /**
   * Passes an offer on (as the agent's view was at the offer, once the agent's earlier starts are
   * answered); delivers the answer its `delaySeconds` after the offer, in the offer's place among
   * equal times.
   */
  private offerInVirtualTime(command: CommandOf<'offer'>): Promise<OfferResponse> {
    const offerSeconds = this.clock.now();
    const ticket = this.clock.ticket();
    const label = `offer ${command.offer} of ${command.task.spec.id} to ${command.agent.spec.id}`;
    this.answersAwaited++;
    const held = { ...command, agent: { ...command.agent } };
    // The inner connector's signal is never aborted: a withdrawn offer's answer still comes, and is delivered as late.
    const response = new Promise<OfferResponse>((resolve, reject) => {
      this.inOrder(command.agent.spec.id, () => settleWith(() => this.inner.offer!(held, { signal: new AbortController().signal })).then(resolve, reject));
    });
    const answered = response.then((answer) => {
      const { delaySeconds } = answer;
      if (delaySeconds === undefined || !(delaySeconds >= 0 && delaySeconds < Number.POSITIVE_INFINITY)) {
        throw new Error(`virtual-time connector: ${label}: its agent reported ${delaySeconds === undefined ? 'no answer delay' : `an answer delay of ${delaySeconds} s`}, so it does not run in virtual time`);
      }
      return new Promise<OfferResponse>((deliver) => this.clock.setTimer(offerSeconds + delaySeconds, () => deliver(answer), ticket));
    });
    const done = (): void => {
      this.answersAwaited--;
      this.wakeIfIdle();
    };
    // Awaited once its answer is on the clock (or failed): the clock may move then.
    response.then(done, done);
    return answered;
  }

  /**
   * Passes a provision on; the agent joins the cold start it reports after the provision, in the
   * provision's place among equal times.
   */
  private provisionInVirtualTime(command: CommandOf<'provision'>, context: ProvisionContext | undefined): Promise<AgentSpec> {
    const provisionSeconds = this.clock.now();
    const ticket = this.clock.ticket();
    this.answersAwaited++;
    let coldStartSeconds: number | undefined;
    const response = settleWith(() => this.inner.provision!(command, {
      ...(context?.provisionId === undefined ? {} : { provisionId: context.provisionId }),
      readyAfter: (seconds) => { coldStartSeconds ??= seconds; },
    }));
    const joined = response.then((spec) => {
      if (coldStartSeconds === undefined || !(coldStartSeconds >= 0 && coldStartSeconds < Number.POSITIVE_INFINITY)) {
        throw new Error(`virtual-time connector: the provision of ${spec.id} for pool ${command.pool}: its provisioner reported ${coldStartSeconds === undefined ? 'no cold start' : `a cold start of ${coldStartSeconds} s`}, so it does not run in virtual time`);
      }
      return new Promise<AgentSpec>((join) => this.clock.setTimer(provisionSeconds + coldStartSeconds!, () => join(spec), ticket));
    });
    const done = (): void => {
      this.answersAwaited--;
      this.wakeIfIdle();
    };
    response.then(done, done);
    return joined;
  }

  /** The agent's lane of starts and commands (by its id outside the engine: its incarnations share one). */
  private lane(engineAgentId: string): (StartingAttempt | HeldCommand)[] {
    const agentId = externalAgentId(engineAgentId);
    let lane = this.lanes.get(agentId);
    if (lane === undefined) {
      lane = [];
      this.lanes.set(agentId, lane);
    }
    return lane;
  }

  /** Passes `send` on once the agent's earlier starts are answered and its earlier commands passed on. */
  private inOrder(engineAgentId: string, send: () => void): void {
    if (!this.lanes.has(externalAgentId(engineAgentId))) {
      send();
      return;
    }
    this.lane(engineAgentId).push({
      send: () => {
        try {
          send();
        } catch (error) {
          // Passed on from a promise reaction: nobody to throw to but the run, at its next wait.
          this.heldFailure ??= error instanceof Error ? error : new Error(String(error));
          this.wakeIfIdle();
        }
      },
    });
    this.pump(engineAgentId);
  }

  /**
   * Passes on what the agent's lane allows, in order: a start once every earlier command is passed
   * on, a command once, besides, every earlier start is answered; drops what is done.
   */
  private pump(engineAgentId: string): void {
    const agentId = externalAgentId(engineAgentId);
    const lane = this.lanes.get(agentId);
    if (lane === undefined) return;
    let commandHeld = false;
    let startUnanswered = false;
    for (const entry of lane) {
      const isStart = 'ticket' in entry;
      if (entry.send !== undefined && !commandHeld && (isStart || !startUnanswered)) {
        const { send } = entry;
        entry.send = undefined;
        send();
      }
      if (isStart) startUnanswered ||= entry.answer === undefined;
      else commandHeld ||= entry.send !== undefined;
    }
    const left = lane.filter((entry) => entry.send !== undefined || ('ticket' in entry && entry.answer === undefined));
    if (left.length === 0) this.lanes.delete(agentId);
    else this.lanes.set(agentId, left);
  }

  private wakeIfIdle(): void {
    if (this.inFlight === 0 || this.heldFailure !== undefined) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private answered(attempt: StartingAttempt, answer: NonNullable<StartingAttempt['answer']>): void {
    attempt.answer = answer;
    this.pump(attempt.agentId);
    this.release();
  }

  /**
   * Releases, in start order, every attempt at the head whose agent has answered: its report goes
   * to the driver (a driver input, which may start more attempts behind), its end onto the clock.
   */
  private release(): void {
    for (let head = this.starting[0]; head?.answer !== undefined; head = this.starting[0]) {
      this.starting.shift();
      const { answer, durationSeconds } = head;
      if ('error' in answer) {
        head.fail(answer.error);
      } else if (durationSeconds === undefined || !(durationSeconds >= 0 && durationSeconds < Number.POSITIVE_INFINITY)) {
        head.fail(new Error(`virtual-time connector: ${head.label}: its agent reported ${durationSeconds === undefined ? 'no duration' : `a duration of ${durationSeconds} s`}, so it does not run in virtual time`));
      } else {
        if (head.report !== undefined) head.context.started(head.report);
        const { settle } = head;
        const { outcome } = answer;
        this.ends.schedule(head.taskId, head.attempt, head.startSeconds + durationSeconds, () => settle(outcome), head.ticket);
      }
    }
    this.wakeIfIdle();
  }
}

/** The promise `call` returns, or a rejected one when it throws. */
function settleWith<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
