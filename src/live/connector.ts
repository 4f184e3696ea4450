/**
 * The live driver's view of real agents: an {@link AgentConnector} carries out the engine's
 * commands on them and reports back through promises. The driver turns every settlement into an
 * engine input; a connector never calls the engine itself.
 */
import type { AgentSpec, AgentView } from '../engine/agent.js';
import type { Command, OfferAnswer, Outcome, StartReport } from '../engine/messages.js';
import type { TaskView } from '../engine/task.js';

/** The engine's command of kind `K`. */
export type CommandOf<K extends Command['kind']> = Extract<Command, { readonly kind: K }>;

/** What the driver hands a connector with a start. */
export interface AttemptContext {
  /**
   * Aborted when the engine gives up on the attempt (it timed out, was cancelled, its agent
   * left) or the driver stops without draining. A result that still comes is recorded as stale.
   */
  readonly signal: AbortSignal;
  /**
   * Whether `signal` is aborted, read without making the signal (the driver makes it on first
   * read): a connector that checks now and then rather than listening spares an `AbortSignal`
   * per attempt. Absent on contexts made by hand: read `signal.aborted` then.
   */
  readonly aborted?: boolean;
  /**
   * Reports that the attempt has begun on its agent (setup tokens spent, whether the context
   * was resident, the agent's context as observed). Call it at most once, before the promise
   * settles; later calls are ignored. When it is never called, the driver reports a start with
   * no setup at the moment the attempt settles.
   */
  started(report: StartReport): void;
  /**
   * Present when the connector is wrapped in a `VirtualTimeConnector` (./virtualTimeConnector.ts): an agent that runs in
   * virtual time (it answers at once) reports here, before the promise settles, how many seconds
   * the attempt took on its own clock. The live driver's own context has none.
   */
  readonly ranFor?: (durationSeconds: number) => void;
}

/**
 * What the driver hands a connector's {@link AgentConnector.run}: an attempt's context that
 * also takes its outcome. It is the driver's own record of the attempt (one object per attempt
 * in flight), so call `started` and `finished` on it rather than destructuring them; the context
 * of `start` may be destructured.
 */
export interface RunContext extends AttemptContext {
  /** Whether the attempt was aborted (the driver's answer to {@link AttemptContext.aborted}, always present here). */
  readonly aborted: boolean;
  /** The attempt's number, as in its start command. */
  readonly attempt: number;
  /** The attempt's task (read its spec only), as in its start command. */
  readonly task: TaskView;
  /** The agent the attempt runs on, as in its start command. */
  readonly agent: AgentView;
  /**
   * For the connector's own use (the driver never reads or writes it): a link to another of its
   * attempts, such as the HTTP service's map of the attempts awaiting reports
   * (`ConnectorAttemptMap`, linked through `connectorNext`), so that a connector keeps the driver's own
   * object rather than one of its own per attempt in flight. Undefined when handed over.
   */
  connectorNext?: RunContext | undefined;
  /** For the connector's own use (the driver never reads or writes it): flags; 0 when handed over. */
  connectorFlags?: number;
  /**
   * Settles the attempt with its outcome (a failure is an outcome too: `{ ok: false, reason }`),
   * as the promise of `start` would; calls after the first, or after the driver gave up on the
   * attempt, are ignored. It may be called from within `run`.
   */
  finished(outcome: Outcome): void;
}

/** What the driver hands a connector with an offer. */
export interface OfferContext {
  /** Aborted when the offer is withdrawn (another agent claimed the task, or it timed out). */
  readonly signal: AbortSignal;
}

/** An agent's answer to an offer, and the context it would load to take the task. */
export interface OfferResponse {
  /** Accept or reject, with the reason for a rejection. */
  readonly answer: OfferAnswer;
  /** Tokens the agent spent preparing (what a losing broadcast claim wastes); 0 when absent. */
  readonly setupTokens?: number;
  /**
   * Seconds the answer took on the agent's own clock, from an agent in virtual time (it answers
   * at once): a `VirtualTimeConnector` (./virtualTimeConnector.ts) delivers the answer that long
   * after the offer. The live driver itself ignores it.
   */
  readonly delaySeconds?: number;
}

/** What the driver hands a connector with a provision. */
export interface ProvisionContext {
  /**
   * Names the provision: a UUID made of the history's epoch and the provision's number
   * (./provisionBook.ts), the same when the driver asks again for it after a restart, never
   * the same for two provisions. Absent on contexts made by hand.
   */
  readonly provisionId?: string;
  /**
   * True when the driver asks again, on recovery, for a provision it asked for before a restart:
   * a provisioner may have taken it then and still be starting its agent (a connector that
   * hands provisions out by lease keeps them for their old taker a while: see
   * docs/LIVE.md, "Across a restart"). False or absent for a provision asked for the first time.
   */
  readonly redelivered?: boolean;
  /**
   * A provisioner in virtual time (it answers at once) reports here, before the promise settles,
   * how many seconds the new agent's cold start took on its own clock: a `VirtualTimeConnector`
   * (./virtualTimeConnector.ts) lets the agent join that long after the provision. Only a
   * `VirtualTimeConnector` hands it.
   */
  readonly readyAfter?: (coldStartSeconds: number) => void;
}

/**
 * Carries out the engine's commands on real agents. Only `start` is required; the driver reports
 * a command the connector cannot carry out to its `onError` (an offer without `offer` is
 * declined; a provision without `provision` never joins).
 *
 * Failure rules: a rejected `start` promise (or a `start` that throws) is an `agent-error`
 * failure of the attempt; one that never settles is an execution timeout (the task's own
 * `timeoutSeconds`, else the driver's `attemptTimeoutSeconds`). A rejected `offer` is a decline.
 * Errors thrown by the fire-and-forget methods are reported and otherwise ignored.
 */
export interface AgentConnector {
  /**
   * Runs an attempt: settles with its outcome when the agent has finished (a failure is an
   * outcome too: `{ ok: false, reason }`).
   */
  start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome>;
  /**
   * Runs an attempt as `start` does, but reports its outcome through `context.finished` rather
   * than a promise; when present the driver calls it instead of `start`. For a connector whose
   * outcomes arrive in its own handlers (the HTTP service's reports): no promise, resolver and
   * continuation per attempt, and the outcome is fed to the engine at once, not a microtask
   * later. A `run` that throws fails the attempt with `agent-error`, as a rejected `start` does.
   */
  run?(command: CommandOf<'start'>, context: RunContext): void;
  /** Offers a task to an agent; settles with its answer. */
  offer?(command: CommandOf<'offer'>, context: OfferContext): Promise<OfferResponse>;
  /** The offer is closed: the agent may stop preparing. Its answer, if it still comes, is recorded as late. */
  withdraw?(command: CommandOf<'withdraw'>): void;
  /** The engine gave up on an attempt (the attempt's signal is aborted too). */
  abort?(command: CommandOf<'abort'>): void;
  /** Suspends a running attempt; its `start` promise stays pending until it resumes and ends. */
  pause?(command: CommandOf<'pause'>): void;
  /** Continues a paused attempt where it stopped. */
  resume?(command: CommandOf<'resume'>): void;
  /** Loads a context on an idle agent ahead of need. */
  prewarm?(command: CommandOf<'prewarm'>): void;
  /** Starts a new agent for an autoscaled pool; settles with its spec once it is ready to join. */
  provision?(command: CommandOf<'provision'>, context?: ProvisionContext): Promise<AgentSpec>;
  /** The agent has left the fleet and may be shut down. */
  retire?(command: CommandOf<'retire'>): void;
}
