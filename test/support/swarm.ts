/**
 * The swarm of engine inputs the property tests draw (test/engine/properties.test.ts, and the
 * snapshot tests that restart the engine mid-run): fast-check arbitraries for a fleet, an engine
 * configuration and a sequence of inputs, and {@link Run}, which applies them to a
 * {@link Harness} and checks safety after every input and liveness at the end. What is drawn and
 * what is checked is listed in properties.test.ts's module comment.
 */
import fc from 'fast-check';
import { hasTags } from '../../src/engine/agent.js';
import type { AdminOperation, OfferAnswer, Outcome } from '../../src/engine/messages.js';
import type { Strategy } from '../../src/engine/strategy.js';
import type { DependencyFailurePolicy, FailureReason, RejectionReason, TaskSpec, TaskState } from '../../src/engine/task.js';
import { Harness, HarnessInvariantError, type ConfigOverrides } from './harness.js';

// ------------------------------------------------------------------ the model of an input

/** A dependency on the task `offset` positions from the new one (0: itself; > 0: not yet submitted), with its edge's policy. */
interface DepRef {
  readonly offset: number;
  readonly policy: DependencyFailurePolicy | undefined;
}

const TAGS = ['gpu', 'eu'] as const;
const TYPES = ['code', 'review'] as const;
/** The autoscaled pool. */
const POOL = 'pool';

interface AgentDraw {
  readonly capacity: number;
  readonly tags: readonly string[];
  readonly inPool: boolean;
}

type AdminDraw =
  | { readonly op: 'pause-type' | 'resume-type'; readonly type: string }
  | { readonly op: 'drain'; readonly k: number }
  | { readonly op: 'set-priority'; readonly k: number; readonly priority: number }
  /** `any`: aim at any submitted task, not only at one the operation applies to. */
  | { readonly op: 'pause' | 'resume'; readonly k: number; readonly any: boolean };

/**
 * One drawn input, as {@link Run.apply} carries it out. A `k` picks among the targets there are
 * at that point (pending starts, running attempts, open offers, tasks, agents), modulo their
 * number, so that a draw means something in any state; an input that finds no target does nothing.
 */
export type Op =
  | {
      readonly kind: 'submit';
      readonly type: string;
      readonly priority: number;
      readonly ttl: number | undefined;
      readonly timeout: number | undefined;
      readonly maxRetries: number | undefined;
      readonly deps: readonly DepRef[];
      /** Index into the agent ids ever named (joined, left, or the never-joining `ghost`). */
      readonly assignee: number | undefined;
      readonly tags: readonly string[];
    }
  | { readonly kind: 'start'; readonly k: number }
  | { readonly kind: 'startAll' }
  | { readonly kind: 'finish'; readonly k: number; readonly outcome: Outcome }
  | { readonly kind: 'answer'; readonly k: number; readonly answer: OfferAnswer; readonly setupTokens: number }
  /** `live`: aim at a closed offer of a task that is still live (a duplicate claim when it accepts under broadcast). */
  | { readonly kind: 'lateAnswer'; readonly k: number; readonly live: boolean; readonly accepted: boolean; readonly setupTokens: number }
  | { readonly kind: 'advance'; readonly dt: number }
  | { readonly kind: 'fireTimer' }
  | { readonly kind: 'admin'; readonly admin: AdminDraw }
  | { readonly kind: 'cancel'; readonly k: number }
  | { readonly kind: 'leave'; readonly k: number }
  | { readonly kind: 'join'; readonly agent: AgentDraw }
  | { readonly kind: 'joinProvisioned'; readonly agent: AgentDraw }
  | { readonly kind: 'stale'; readonly k: number; readonly asStart: boolean };

/** A drawn property run: one strategy, a fleet, engine settings, and the inputs applied to them. */
export interface Scenario {
  /** The registered strategy under test. */
  readonly strategy: string;
  /** Seed of the harness's generators (`prop-<seed>`). */
  readonly seed: number;
  /** Agents that join before the first input, named `a0`, `a1`, … in order. */
  readonly agents: readonly AgentDraw[];
  /** Engine settings over the defaults. */
  readonly config: ConfigOverrides;
  /** The inputs, applied in order. */
  readonly ops: readonly Op[];
}

/** `arb` about once in `n` draws, otherwise undefined. */
function sometimes<T>(n: number, arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

/** Tags: mostly none, sometimes one or both of {@link TAGS}. */
const tagsArb: fc.Arbitrary<readonly string[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant([] as string[]) },
  { weight: 2, arbitrary: fc.subarray([...TAGS], { minLength: 1 }) },
);

const agentArb: fc.Arbitrary<AgentDraw> = fc.record({
  capacity: fc.constantFrom(1, 1, 2, 3), // small fleets fill up: preemption and waiting need contention
  // Agents carry tags more often than tasks ask for them, so tagged tasks usually find one.
  tags: fc.oneof({ weight: 1, arbitrary: fc.constant([] as string[]) }, { weight: 2, arbitrary: fc.subarray([...TAGS]) }),
  inPool: fc.boolean(),
});

const depArb: fc.Arbitrary<DepRef> = fc.record({
  offset: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: -6, max: -1 }) }, // an earlier task
    { weight: 1, arbitrary: fc.constant(0) }, // itself
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) }, // a task not yet submitted
  ),
  policy: sometimes(2, fc.constantFrom<DependencyFailurePolicy>('cascade-fail', 'cancel', 'ignore')),
});

const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(1, 1, 0.9, 0.6, 0.3, 0).map((quality): Outcome => ({ ok: true, quality })) },
  { weight: 2, arbitrary: fc.constantFrom<FailureReason>('agent-error', 'quality').map((reason): Outcome => ({ ok: false, reason })) },
);

const answerArb: fc.Arbitrary<OfferAnswer> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<OfferAnswer>({ accepted: true }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Exclude<RejectionReason, 'offer-timeout' | 'agent-lost'>>('lacks-skill', 'overloaded', 'context-full', 'declined')
      .map((reason): OfferAnswer => ({ accepted: false, reason })),
  },
);

const adminArb: fc.Arbitrary<AdminDraw> = fc.oneof(
  fc.record({ op: fc.constantFrom('pause-type' as const, 'resume-type' as const), type: fc.constantFrom(...TYPES) }),
  fc.record({ op: fc.constant('drain' as const), k: fc.nat(10) }),
  fc.record({ op: fc.constant('set-priority' as const), k: fc.nat(40), priority: fc.integer({ min: 0, max: 4 }) }),
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('pause' as const, 'resume' as const), k: fc.nat(20), any: fc.boolean() }) },
);

/** An input; the weights favour submissions, finishes and offer answers, which move tasks along. */
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      type: fc.constantFrom(...TYPES),
      priority: fc.constantFrom(0, 0, 1, 2, 3, 4), // critical twice as often: preemption needs them
      ttl: sometimes(3, fc.constantFrom(0.5, 1, 3, 10, 30)),
      timeout: sometimes(3, fc.constantFrom(0.5, 2, 5)),
      maxRetries: sometimes(3, fc.integer({ min: 0, max: 3 })),
      deps: fc.oneof(
        { weight: 3, arbitrary: fc.constant([] as DepRef[]) },
        { weight: 2, arbitrary: fc.array(depArb, { minLength: 1, maxLength: 3 }) },
      ),
      assignee: sometimes(8, fc.integer({ min: 0, max: 7 })),
      tags: tagsArb,
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('start' as const), k: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'startAll' as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('finish' as const), k: fc.nat(20), outcome: outcomeArb }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('answer' as const), k: fc.nat(20), answer: answerArb, setupTokens: fc.constantFrom(0, 500) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('lateAnswer' as const), k: fc.nat(40), live: fc.boolean(), accepted: fc.boolean(), setupTokens: fc.constantFrom(0, 500),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), dt: fc.constantFrom(0, 0.25, 1, 2, 5, 20) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'fireTimer' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('admin' as const), admin: adminArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), k: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), k: fc.nat(10) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const), agent: agentArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('joinProvisioned' as const), agent: agentArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), k: fc.nat(20), asStart: fc.boolean() }) },
);

const configArb: fc.Arbitrary<ConfigOverrides> = fc
  .record({
    // Late binding twice as often: offers, broadcast and first-fit claiming exist only there.
    binding: fc.constantFrom('late' as const, 'late' as const, 'early' as const),
    queue: fc.record({
      maxDepth: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 8 })),
      overflow: fc.constantFrom('reject' as const, 'shed-lowest' as const),
    }),
    retry: fc.record({
      maxRetries: fc.integer({ min: 0, max: 3 }),
      backoff: fc.record({ baseSeconds: fc.constantFrom(0.5, 1, 2), factor: fc.constantFrom(1, 2), jitter: fc.constantFrom(0, 0.1, 0.5) }),
      minQuality: fc.constantFrom(0, 0, 0.5, 0.8),
    }),
    delegation: fc.record({
      mode: fc.constantFrom('assign' as const, 'offer' as const, 'broadcast' as const),
      claim: fc.constantFrom('strategy' as const, 'first-fit' as const),
      offerTimeoutSeconds: fc.constantFrom(Number.POSITIVE_INFINITY, 1, 3, 10),
      maxOffers: fc.constantFrom(1, 2, 3, 10),
    }),
    dependencies: fc.record({ onFailure: fc.constantFrom<DependencyFailurePolicy>('cascade-fail', 'cancel', 'ignore') }),
    failureMemory: fc.record({ seconds: fc.constantFrom(0, 0, 5, 30), maxEntries: fc.constantFrom(1, 2, 10_000) }),
    preemption: fc.constantFrom('none' as const, 'pause-lowest' as const),
    ingress: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ ratePerSecond: Number.POSITIVE_INFINITY, burst: 1 }) },
      { weight: 1, arbitrary: fc.record({ ratePerSecond: fc.constantFrom(0.5, 1, 4), burst: fc.constantFrom(1, 3) }) },
    ),
    autoscale: fc.oneof(
      fc.constant([]),
      fc.record({
        pool: fc.constant(POOL),
        minAgents: fc.integer({ min: 0, max: 2 }),
        extra: fc.integer({ min: 0, max: 3 }),
        scaleUpUtilization: fc.constantFrom(0.5, 0.8, 1),
        scaleDownUtilization: fc.constantFrom(0, 0.2, 0.4),
        cooldownSeconds: fc.constantFrom(0, 2, 10),
        intervalSeconds: fc.constantFrom(1, 3),
      }).map(({ extra, ...scaler }) => [{ ...scaler, maxAgents: Math.max(1, scaler.minAgents + extra) }]),
    ),
  })
  // First-fit claiming needs late binding.
  .map((config) => (config.binding === 'early' ? { ...config, delegation: { ...config.delegation, claim: 'strategy' as const } } : config));

/**
 * A run of `strategy`: one to four agents, engine settings, and up to 80 inputs (`size: 'max'` lets
 * fast-check reach that bound).
 */
export function scenarioArb(strategy: string): fc.Arbitrary<Scenario> {
  return fc.record({
    strategy: fc.constant(strategy),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
    agents: fc.array(agentArb, { minLength: 1, maxLength: 4 }),
    config: configArb,
    ops: fc.array(opArb, { minLength: 0, maxLength: 80, size: 'max' }),
  });
}

// ------------------------------------------------------------------ running a scenario

/** An agent with every tag and nothing else special: the liveness phase's helper. */
const ANY_AGENT: AgentDraw = { capacity: 1, tags: TAGS, inPool: false };

/**
 * A scenario applied to a {@link Harness} one input at a time, with the safety checks run between
 * inputs ({@link Run.checkSafety}) and the liveness check at the end ({@link Run.checkLiveness}).
 */
export class Run {
  /** The harness driving the engine. */
  readonly h: Harness;
  /** Ids of every agent that joined, in order: the agents an input's `k` picks from. */
  readonly agentIds: string[] = [];
  /** Every submitted spec, by id. */
  readonly specs = new Map<string, TaskSpec>();
  private joined = 0;
  /** Transition events already checked by {@link Run.checkDependencies}. */
  private eventsChecked = 0;
  /** When the first submission arrived (the ingress bucket starts full then). */
  private firstSubmitAt: number | undefined;

  /** @param strategy - an instance to run instead of a fresh `scenario.strategy`. */
  constructor(readonly scenario: Scenario, strategy?: Strategy) {
    this.h = new Harness({ strategy: strategy ?? scenario.strategy, config: scenario.config, seed: `prop-${scenario.seed}` });
    for (const agent of scenario.agents) this.join(agent);
  }

  private nextAgent(agent: AgentDraw): { id: string; capacity: number; tags: readonly string[] } {
    const id = `a${this.joined++}`;
    this.agentIds.push(id);
    return { id, capacity: agent.capacity, tags: agent.tags };
  }

  /** A new agent `a<n>` joins, in the autoscaled pool when the draw says so. */
  join(agent: AgentDraw): void {
    this.h.join({ ...this.nextAgent(agent), pool: agent.inPool ? POOL : undefined });
  }

  /** A pool member answering the oldest `provision` request, if one is pending. */
  joinProvisioned(agent: AgentDraw): void {
    if (this.h.pendingProvisions.length === 0) return;
    this.h.joinProvisioned(this.nextAgent(agent));
  }

  /** Carries out one input on the harness (see {@link Op}). */
  apply(op: Op): void {
    const h = this.h;
    switch (op.kind) {
      case 'submit': {
        const index = h.submitted.length;
        const deps = op.deps.map((d) => ({ ...d, index: index + d.offset })).filter((d) => d.index >= 0);
        const policies = deps.filter((d) => d.policy !== undefined).map((d) => [`t${d.index}`, d.policy!] as const);
        const named = [...this.agentIds, 'ghost'];
        const spec: TaskSpec = {
          id: `t${index}`, type: op.type, priority: op.priority, tokens: 1000, contextTokens: 0,
          // Three tenants in turn (and some tasks without one): only the fair order reads them.
          tenant: index % 4 === 3 ? undefined : `tenant-${index % 4}`,
          ttlSeconds: op.ttl, timeoutSeconds: op.timeout, maxRetries: op.maxRetries,
          dependsOn: deps.length > 0 ? deps.map((d) => `t${d.index}`) : undefined,
          dependencyPolicy: policies.length > 0 ? Object.fromEntries(policies) : undefined,
          assignee: op.assignee === undefined ? undefined : named[op.assignee % named.length],
          tags: op.tags.length > 0 ? op.tags : undefined,
        };
        this.specs.set(spec.id, spec);
        this.firstSubmitAt ??= h.now;
        h.submit(spec);
        return;
      }
      case 'start': {
        const pending = h.pendingStarts();
        if (pending.length > 0) h.started(pending[op.k % pending.length]!);
        return;
      }
      case 'startAll':
        h.driveBounded(1000);
        return;
      case 'finish': {
        const running = h.liveAttempts().filter((a) => a.phase === 'started');
        if (running.length === 0) return;
        h.finish(running[op.k % running.length]!.taskId, op.outcome);
        return;
      }
      case 'answer': {
        const open = h.openOffers;
        if (open.length === 0) return;
        const offer = open[op.k % open.length]!;
        h.answerOfferNumber(offer.taskId, offer.agentId, offer.offer, op.answer, op.setupTokens);
        return;
      }
      case 'lateAnswer':
        this.lateAnswer(op.k, op.live, op.accepted, op.setupTokens);
        return;
      case 'advance':
        h.advance(op.dt);
        return;
      case 'fireTimer':
        h.fireNextTimer();
        return;
      case 'admin': {
        const operation = this.operation(op.admin);
        if (operation !== undefined) h.admin(operation);
        return;
      }
      case 'cancel': {
        const ids = [...h.submitted, 'unknown-id'];
        h.cancel(ids[op.k % ids.length]!);
        return;
      }
      case 'leave':
        h.leave(this.agentIds[op.k % this.agentIds.length]!);
        return;
      case 'join':
        this.join(op.agent);
        return;
      case 'joinProvisioned':
        this.joinProvisioned(op.agent);
        return;
      case 'stale': {
        // Ended attempts, and paused ones: a result for either is not applied.
        const ended = [...h.attempts.values()].filter((a) => a.phase === 'aborted' || a.phase === 'finished' || a.phase === 'paused');
        if (ended.length === 0) return;
        const attempt = ended[op.k % ended.length]!;
        this.expectOnlyStale(`a resent result for ${attempt.phase} attempt ${attempt.taskId}#${attempt.attempt}`, 'staleResult', () => {
          if (op.asStart) h.startAttempt(attempt.taskId, attempt.attempt);
          else h.finishAttempt(attempt.taskId, attempt.attempt, { ok: true, quality: 1 });
        });
        return;
      }
      default: {
        const unreachable: never = op;
        throw new Error(`unknown op ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** The operator's action a draw aims at (undefined when it has no target). */
  private operation(draw: AdminDraw): AdminOperation | undefined {
    const h = this.h;
    switch (draw.op) {
      case 'pause-type':
      case 'resume-type':
        return { op: draw.op, type: draw.type };
      case 'drain':
        return { op: 'drain', agentId: this.agentIds[draw.k % this.agentIds.length]! };
      case 'set-priority': {
        const ids = [...h.liveIds(), ...h.submitted.slice(-2), 'unknown-id'];
        return { op: 'set-priority', taskId: ids[draw.k % ids.length]!, priority: draw.priority };
      }
      case 'pause':
      case 'resume': {
        const phase = draw.op === 'pause' ? 'started' : 'paused';
        const ids = draw.any ? h.submitted : [...h.attempts.values()].filter((a) => a.phase === phase).map((a) => a.taskId);
        return ids.length === 0 ? undefined : { op: draw.op, taskId: ids[draw.k % ids.length]! };
      }
      default: {
        const unreachable: never = draw;
        throw new Error(`unknown admin draw ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /**
   * An answer to an offer that is closed (withdrawn, timed out, answered, or of an earlier
   * round): a duplicate claim when it accepts a broadcast task that is still live, otherwise stale.
   */
  private lateAnswer(k: number, live: boolean, accepted: boolean, setupTokens: number): void {
    const h = this.h;
    const closed = h.commandsOf('offer').filter((c) => !h.openOffers.some((o) => o.taskId === c.taskId && o.agentId === c.agentId && o.offer === c.offer) &&
      (!live || h.engine.task(c.taskId) !== undefined));
    if (closed.length === 0) return;
    const offer = closed[k % closed.length]!;
    const duplicate = accepted && h.config.delegation.mode === 'broadcast' && h.engine.task(offer.taskId) !== undefined;
    const answer: OfferAnswer = accepted ? { accepted: true } : { accepted: false, reason: 'declined' };
    this.expectOnlyStale(`a late answer to offer ${offer.offer} of ${offer.taskId} to ${offer.agentId}`, duplicate ? 'duplicateClaim' : 'staleResult', () =>
      h.answerOfferNumber(offer.taskId, offer.agentId, offer.offer, answer, setupTokens),
    );
  }

  /** Runs `act`, which must produce exactly one event of kind `kind`, no command, and change no count or load. */
  private expectOnlyStale(what: string, kind: 'staleResult' | 'duplicateClaim', act: () => void): void {
    const h = this.h;
    const loads = (): string => JSON.stringify(h.engine.agents.map((a) => [a.active, a.paused, a.queued, a.accepting, a.draining]));
    const before = { events: h.events.length, commands: h.commands.length, counts: JSON.stringify(h.engine.counts()), loads: loads() };
    act();
    const added = h.events.slice(before.events);
    ensure(added.length === 1 && added[0]!.kind === kind, `${what} produced ${JSON.stringify(added)}, expected one ${kind}`);
    ensure(h.commands.length === before.commands, `${what} produced commands`);
    ensure(JSON.stringify(h.engine.counts()) === before.counts, `${what} changed the counts`);
    ensure(loads() === before.loads, `${what} changed agents' loads`);
  }

  /** Safety checks after every input. */
  checkSafety(): void {
    this.h.assertAll();
    this.checkTtl();
    this.checkIngress();
    this.checkDependencies();
  }

  /** No queued task has waited longer than its ttl (its expiry timer would have fired). */
  private checkTtl(): void {
    for (const task of this.h.engine.liveTasks()) {
      const ttl = task.spec.ttlSeconds;
      if (task.state !== 'queued' || ttl === undefined) continue;
      const since = this.h.queuedSince.get(task.spec.id)!;
      ensure(this.h.now <= since + ttl, `task ${task.spec.id} queued since ${since} with ttl ${ttl} is still queued at ${this.h.now}`);
    }
  }

  /** Submissions let through never outrun the bucket: at most burst + rate × elapsed. */
  private checkIngress(): void {
    const { ratePerSecond, burst } = this.h.config.ingress;
    if (ratePerSecond === Number.POSITIVE_INFINITY || this.firstSubmitAt === undefined) return;
    const limited = this.h.events.filter((e) => e.kind === 'transition' && e.reason === 'rate-limited').length;
    const admitted = this.h.submitted.length - limited;
    const allowed = burst + ratePerSecond * (this.h.now - this.firstSubmitAt);
    ensure(admitted <= allowed + 1e-9, `ingress let ${admitted} submissions through by ${this.h.now}, the bucket allows ${allowed}`);
  }

  /** Dependency edges: see the module comment. */
  private checkDependencies(): void {
    const h = this.h;
    const policy = (spec: TaskSpec, dep: string): DependencyFailurePolicy =>
      spec.dependencyPolicy?.[dep] ?? h.config.dependencies.onFailure;
    for (; this.eventsChecked < h.events.length; this.eventsChecked++) {
      const event = h.events[this.eventsChecked]!;
      if (event.kind !== 'transition') continue;
      const spec = this.specs.get(event.taskId!)!;
      const deps = spec.dependsOn ?? [];
      if (event.to === 'queued' && (event.from === 'created' || event.from === 'blocked')) {
        for (const dep of deps) {
          const state = h.state(dep);
          ensure(state === 'completed' || (state !== undefined && isFinalState(state) && policy(spec, dep) === 'ignore'),
            `task ${spec.id} was released while its dependency ${dep} is ${state ?? 'unsubmitted'} (edge ${policy(spec, dep)})`);
        }
      }
      if (event.reason === 'dependency-failed' && (event.to === 'cancelled' || event.to === 'dead-lettered')) {
        const wanted: DependencyFailurePolicy = event.to === 'cancelled' ? 'cancel' : 'cascade-fail';
        const cause = deps.find((dep) => {
          const state = h.state(dep);
          return state !== undefined && state !== 'completed' && isFinalState(state) && policy(spec, dep) === wanted;
        });
        ensure(cause !== undefined, `task ${spec.id} ${event.to} for a failed dependency, but none of ${JSON.stringify(deps)} failed over a ${wanted} edge`);
      }
    }
    for (const task of h.engine.liveTasks()) {
      if (task.state !== 'blocked') continue;
      const waitsOn = (task.spec.dependsOn ?? []).some((dep) => h.state(dep) === undefined || !isFinalState(h.state(dep)!));
      ensure(waitsOn, `task ${task.spec.id} is blocked, but each of its dependencies ${JSON.stringify(task.spec.dependsOn)} is final`);
    }
  }

  /**
   * Liveness: brings an agent if none accepts, drives the run to quiet, explains every live task,
   * cancels those, drives to quiet again, and then nothing may be left in flight or pending.
   */
  checkLiveness(): void {
    const h = this.h;
    if (!h.engine.agents.some((a) => a.accepting)) this.join(ANY_AGENT);
    const scaler = h.config.autoscale[0];
    const settle = (): void => h.settle({
      maxRounds: 20_000,
      // Enough evaluations that a cooldown has passed with nothing changing.
      idleFirings: scaler === undefined ? 3 : Math.ceil(scaler.cooldownSeconds / scaler.intervalSeconds) + 3,
      provision: () => this.nextAgent(ANY_AGENT),
    });
    settle();
    this.checkSafety();
    ensure(h.liveAttempts().length === 0 && h.pendingStarts().length === 0 && h.openOffers.length === 0, 'not quiet after settle');
    ensure(h.operatorPaused.size === 0 && h.pausedTypes.size === 0, 'an operator\'s pause survived settle');
    const accepting = h.engine.agents.filter((a) => a.accepting);
    const submitted = new Set(h.submitted);
    const live = new Map([...h.engine.liveTasks()].map((t) => [t.spec.id, t]));
    // A live task is stuck for good when no agent in the fleet may ever take it (its assignee is
    // absent, or no agent that may take it carries its tags), or it waits on a stuck dependency or
    // one that was never submitted: a fixpoint over the live tasks.
    const stuck = new Set<string>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const [id, task] of live) {
        if (stuck.has(id)) continue;
        const host = accepting.some((a) => (task.spec.assignee === undefined || task.spec.assignee === a.spec.id) && hasTags(a, task.spec.tags));
        const waitsForAgent = task.state === 'queued' && !host && task.spec.ttlSeconds === undefined;
        const waitsForDoomed = task.state === 'blocked' &&
          (task.spec.dependsOn ?? []).some((dep) => !submitted.has(dep) || stuck.has(dep));
        if (waitsForAgent || waitsForDoomed) {
          stuck.add(id);
          changed = true;
        }
      }
    }
    for (const [id, task] of live) {
      ensure(stuck.has(id), `liveness: task ${id} is ${task.state as TaskState} after the run went quiet (spec ${JSON.stringify(task.spec)})`);
    }
    for (const id of [...stuck].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))) h.cancel(id);
    settle();
    this.checkSafety();
    const counts = h.engine.counts();
    ensure(counts.inFlight === 0, `liveness: ${counts.inFlight} task(s) in flight after cancelling the stuck ones`);
    ensure(h.timers.size === 0, `liveness: ${h.timers.size} timer(s) still pending with nothing in flight (an autoscaler that never sleeps?)`);
    ensure(h.openOffers.length === 0 && h.liveAttempts().length === 0 && h.engine.agents.every((a) => a.active === 0 && a.paused === 0 && !a.draining),
      'liveness: agents still hold work with nothing in flight');
  }
}

function isFinalState(state: TaskState): boolean {
  return state === 'completed' || state === 'dead-lettered' || state === 'expired' || state === 'cancelled' || state === 'rejected';
}

function ensure(condition: boolean, message: string): asserts condition {
  if (!condition) throw new HarnessInvariantError(message);
}

/** Applies a scenario's inputs, checking safety after each (with `strategy` instead of a fresh `scenario.strategy` if given). */
export function runInputs(scenario: Scenario, strategy?: Strategy): Run {
  const run = new Run(scenario, strategy);
  run.checkSafety();
  for (const op of scenario.ops) {
    run.apply(op);
    run.checkSafety();
  }
  return run;
}

/** Applies a scenario's inputs, checking safety after each, then checks liveness. */
export function runScenario(scenario: Scenario): void {
  runInputs(scenario).checkLiveness();
}
