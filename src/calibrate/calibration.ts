/**
 * Calibration: from the observations of one run, the fitted parameters (each with its 95%
 * interval, method and goodness-of-fit test) and the scenario document that holds them in the
 * agent model's own terms (docs/CALIBRATION.md).
 */
import { median } from 'simple-statistics';
import { counted } from '../counted.js';
import { DEFAULT_AGENT_MODEL } from '../scenario/schema.js';
import { InputError } from '../scenario/errors.js';
import { findStrategy } from '../strategies/index.js';
import type { Distribution } from '../scenario/types.js';
import { fitArrivals, fitQuality, fitRate, fitSizes, fitWorkRates, type Estimate } from './estimators.js';
import type { ReadSummary, RunKey } from './eventsReader.js';
import type { AgentObservations, RunObservations } from './observations.js';
import { formatPValue, meanInterval, type Interval, type TestResult } from './statistics.js';

/** How an estimate was obtained. */
export type FitMethod = 'MLE' | 'moments' | 'observed';

/** One fitted parameter, as printed and as `--json` gives it. */
export interface FittedParameter {
  /** Where it goes in the scenario, such as `agents[a-0].speed` or `workload.arrivals.rate`. */
  readonly name: string;
  /** The point estimate, in the parameter's own units. */
  readonly value: number;
  /** 95% interval (equal ends when the value is observed exactly). */
  readonly interval: Interval;
  /** Observations it rests on. */
  readonly n: number;
  /** How the value was obtained. */
  readonly method: FitMethod;
  /** Goodness of fit (or homogeneity); null when there are too few observations to test. */
  readonly gof: TestResult | null;
  /** What the model cannot represent of it, or how it was derived. */
  readonly note?: string;
}

/** Whether the workload is the events file itself, or a fitted arrival process. */
export type WorkloadMode = { readonly kind: 'trace'; readonly file: string } | { readonly kind: 'synthetic' };

/** The outcome of calibration. */
export interface Calibration {
  /** The events file fitted. */
  readonly source: string;
  /** The runs fitted (one strategy; strategy and replication null for a serve log). */
  readonly runs: readonly RunKey[];
  /** Every run the file holds. */
  readonly runsInFile: number;
  /** Every fitted parameter, in the order they are printed. */
  readonly parameters: readonly FittedParameter[];
  /** Caveats that apply to the whole fit. */
  readonly notes: readonly string[];
  /** The scenario file's content (a plain object, written as YAML). */
  readonly scenario: Record<string, unknown>;
}

/** Model coefficients the calibrated fleet sets, so that skill expresses speed only. */
const FLEET_MODEL = { skillQualityPenalty: 0, skillFailureRate: 0, lowSkillSetupPenalty: 0 } as const;
/** Skill speed penalty when an agent's slowest type is at least this share of its fastest. */
const DEFAULT_SKILL_SPEED_PENALTY = DEFAULT_AGENT_MODEL.skillSpeedPenalty;
/** Largest penalty calibration writes (the schema requires < 1). */
const MAX_SKILL_SPEED_PENALTY = 0.95;
/** Replications the calibrated scenario asks for. */
const CALIBRATED_REPLICATIONS = 5;
/** p-value below which a test is said to reject. */
const REJECT_AT = 0.05;

/** Fits everything `observations` hold. */
export function calibrate(source: string, read: ReadSummary, observations: RunObservations, workload: WorkloadMode, scenarioName: string): Calibration {
  const parameters: FittedParameter[] = [];
  const notes: string[] = [];
  if (read.runs.length > read.chosen.length) {
    notes.push(`the file holds ${read.runs.length} runs; fitted ${runsLabel(read.chosen)} (choose others with --strategy and --replication)`);
  }
  const fitted = [...observations.agents.values()].map((agent) => fitAgent(agent, parameters));
  const measuredSpeeds = fitted.flatMap((agent) => (agent.speed === undefined ? [] : [agent.speed]));
  const fleetMedianSpeed = measuredSpeeds.length > 0 ? median(measuredSpeeds) : 1;
  const allTypes = [...observations.types.keys()];
  const agents = fitted.map((agent) => {
    if (agent.speed === undefined) {
      notes.push(`agent ${agent.id} completed no attempt: given the fleet's median speed ${round(fleetMedianSpeed)} and every task type at skill 1`);
    }
    return agentEntry(agent, fleetMedianSpeed, allTypes);
  });
  if (workload.kind === 'synthetic' && !(observations.windowSeconds > 0)) {
    throw new InputError(source, '', 'the fitted runs\' submissions all arrive at one instant (a window of 0 s): a Poisson rate needs them spread over time; calibrate without --synthetic to replay them as a trace');
  }
  const { entries: tasks, end } = fitWorkload(observations, parameters, notes);
  const strategy = read.chosen[0]?.strategy?.split('#')[0];
  const strategies = strategy !== undefined && findStrategy(strategy) !== undefined ? [strategy] : ['round-robin'];
  const first = read.chosen[0]!;
  // The trace replays the submissions of one run: the first fitted (every strategy of a run saw the same).
  const replayed = first.strategy === null ? {} : { strategy: first.strategy, replication: first.replication };
  const workloadSection = workload.kind === 'trace'
    ? { trace: { file: workload.file, format: 'fleetsim-events', type: allTypes[0], types: allTypes, ...replayed } }
    : { arrivals: { process: 'poisson', rate: parameterValue(parameters, 'workload.arrivals.rate') }, tasks };
  const scenario: Record<string, unknown> = {
    name: scenarioName,
    description: `Fitted by fleetsim calibrate from ${source} (${runsLabel(read.chosen)}): ${counted(observations.agents.size, 'agent')}, ${counted(allTypes.length, 'task type')}.`,
    seed: 1,
    replications: CALIBRATED_REPLICATIONS,
    // A drained log replays to its end; one stopped at stop.time stops there again.
    stop: workload.kind === 'trace' && end.drain ? { drain: true } : { time: round(end.timeSeconds), drain: end.drain },
    ...engineSection(observations),
    agentModel: { ...FLEET_MODEL },
    agents,
    workload: workloadSection,
    strategies,
  };
  return { source, runs: read.chosen, runsInFile: read.runs.length, parameters, notes, scenario };
}

/** What the log shows of the engine: offers mean offer delegation (binding is not in the log). */
function engineSection(observations: RunObservations): Record<string, unknown> {
  return observations.offers ? { engine: { delegation: { mode: 'offer' } } } : {};
}

/** `strategy X, replications 0–4` (or `1`, or `the serve log`). */
export function runsLabel(runs: readonly RunKey[]): string {
  const first = runs[0];
  if (first === undefined || first.strategy === null) return 'the serve log';
  const replications = runs.map((run) => run.replication ?? 0);
  const contiguous = replications.every((r, i) => i === 0 || r === replications[i - 1]! + 1);
  const list = replications.length === 1 ? `replication ${replications[0]}`
    : contiguous ? `replications ${replications[0]}–${replications[replications.length - 1]}` : `replications ${replications.join(', ')}`;
  return `strategy ${first.strategy}, ${list}`;
}

interface FittedAgent {
  readonly id: string;
  readonly capacity: number;
  readonly tags: string[];
  /** Speed at its fastest task type; undefined when it completed nothing. */
  readonly speed: number | undefined;
  readonly skills: Record<string, number>;
  readonly skillSpeedPenalty: number;
  readonly failureRate: number;
  readonly serviceTimeCv: number;
  readonly qualityNoise: number;
  readonly rejectBase: number;
  readonly offerResponseSeconds: number | undefined;
}

function fitAgent(agent: AgentObservations, parameters: FittedParameter[]): FittedAgent {
  const at = `agents[${agent.id}]`;
  parameters.push({ name: `${at}.capacity`, value: agent.capacity, interval: [agent.capacity, agent.capacity], n: 1, method: 'observed', gof: null });
  const rates = new Map<string, number[]>();
  let withSetup = 0;
  for (const [type, observed] of agent.byType) {
    const clean = observed.completed.filter((attempt) => attempt.setupTokens === 0 && attempt.tokens > 0 && attempt.durationSeconds > 0);
    withSetup += observed.completed.length - clean.length;
    if (clean.length > 0) rates.set(type, clean.map((attempt) => attempt.tokens / attempt.durationSeconds));
  }
  const byType = fitWorkRates(rates);
  // One speed for the agent unless its task types differ significantly (then skill carries the ratio).
  const typesDiffer = byType.differ !== null && byType.differ.pValue < REJECT_AT;
  const work = typesDiffer || rates.size < 2 ? byType : fitWorkRates(new Map([['', [...rates.values()].flat()]]));
  const setupNote = withSetup > 0 ? `${withSetup} attempts that loaded context left out (their time includes the load)` : undefined;
  const skills: Record<string, number> = {};
  let skillSpeedPenalty = DEFAULT_SKILL_SPEED_PENALTY;
  let speed: number | undefined;
  if (typesDiffer) {
    speed = Math.max(...[...work.speeds.values()].map((estimate) => estimate.value));
    const slowest = Math.min(...[...work.speeds.values()].map((estimate) => estimate.value / speed!));
    // Skill s gives speed × (1 − penalty(1 − s)): the penalty must reach the slowest type with s > 0.
    if (1 - slowest > 0.9 * skillSpeedPenalty) skillSpeedPenalty = Math.min(MAX_SKILL_SPEED_PENALTY, (1 - slowest) / 0.9);
    for (const [type, estimate] of work.speeds) {
      skills[type] = round(Math.max(0.01, Math.min(1, 1 - (1 - estimate.value / speed) / skillSpeedPenalty)));
      push(parameters, `${at}.speed[${type}]`, estimate, 'MLE', work.gof, [`skill ${skills[type]}`, setupNote].filter(Boolean).join('; '));
    }
  } else if (rates.size > 0) {
    const pooled = [...work.speeds.values()][0]!;
    speed = pooled.value;
    for (const type of rates.keys()) skills[type] = 1;
    const same = rates.size > 1 ? `one speed for ${[...rates.keys()].join(', ')} (${byType.differ!.test}: ${formatPValue(byType.differ!.pValue)})` : undefined;
    push(parameters, `${at}.speed`, pooled, 'MLE', work.gof, [same, setupNote].filter(Boolean).join('; ') || undefined);
  }
  if (work.speeds.size > 0) push(parameters, `${at}.model.serviceTimeCv`, work.serviceTimeCv, 'MLE', work.gof);
  const errors = [...agent.byType.values()].flatMap((observed) => observed.agentErrors);
  const failure = fitRate(errors);
  push(parameters, `${at}.failureRate`, failure.estimate, 'MLE', failure.gof);
  for (const reason of new Set([...agent.byType.values()].flatMap((observed) => [...observed.failures.keys()]))) {
    if (reason === 'agent-error') continue;
    const count = [...agent.byType.values()].reduce((sum, observed) => sum + (observed.failures.get(reason) ?? 0), 0);
    const attempts = errors.length + count;
    const rate = fitRate(Array.from({ length: attempts }, (_, i) => i < count));
    parameters.push({
      name: `${at}.failures[${reason}]`, value: rate.estimate.value, interval: rate.estimate.interval, n: attempts, method: 'MLE', gof: null,
      note: 'not an agent-model parameter: it follows from timeouts, the fleet and minQuality, which the scenario sets',
    });
  }
  const qualities = [...agent.byType.values()].flatMap((observed) => observed.completed.map((attempt) => attempt.quality));
  const quality = fitQuality(qualities);
  const meanNote = quality.mean.interval[1] < 1
    ? 'mean below 1 at full skill: not representable (the model\'s mean quality is 1 − penalties); only the noise is written'
    : undefined;
  push(parameters, `${at}.quality.mean`, quality.mean, 'MLE', quality.gof, meanNote);
  push(parameters, `${at}.model.qualityNoise`, quality.noise, 'MLE', quality.gof);
  let rejectBase = 0;
  let offerResponseSeconds: number | undefined;
  if (agent.offerRefusals.length > 0) {
    const refusal = fitRate(agent.offerRefusals);
    rejectBase = refusal.estimate.value;
    push(parameters, `${at}.model.rejectBase`, refusal.estimate, 'MLE', refusal.gof, 'every refusal counted as the base rate (rejectLoad, rejectContext: 0)');
  }
  if (agent.offerResponseSeconds.length > 0) {
    const response = meanInterval(agent.offerResponseSeconds);
    offerResponseSeconds = response.mean;
    push(parameters, `${at}.model.offerResponseSeconds`, { value: response.mean, interval: response.interval, n: agent.offerResponseSeconds.length }, 'moments', null);
  }
  const tags = [...(agent.pool === undefined ? [] : [agent.pool]), ...[...agent.taskTags].filter((tag) => tag !== agent.pool).sort()];
  return {
    id: agent.id, capacity: agent.capacity, tags, speed, skills, skillSpeedPenalty, failureRate: failure.estimate.value,
    serviceTimeCv: work.serviceTimeCv.value, qualityNoise: quality.noise.value, rejectBase, offerResponseSeconds,
  };
}

function agentEntry(agent: FittedAgent, fleetMedianSpeed: number, allTypes: readonly string[]): Record<string, unknown> {
  const skills = agent.speed === undefined ? Object.fromEntries(allTypes.map((type) => [type, 1])) : agent.skills;
  const model: Record<string, number> = {
    serviceTimeCv: round(Math.min(10, agent.serviceTimeCv)),
    qualityNoise: round(agent.qualityNoise),
  };
  if (agent.skillSpeedPenalty !== DEFAULT_SKILL_SPEED_PENALTY) model.skillSpeedPenalty = round(agent.skillSpeedPenalty);
  if (agent.rejectBase > 0) model.rejectBase = round(agent.rejectBase);
  if (agent.offerResponseSeconds !== undefined) model.offerResponseSeconds = round(Math.max(0, agent.offerResponseSeconds));
  return {
    id: agent.id,
    capacity: agent.capacity,
    speed: round(agent.speed ?? fleetMedianSpeed),
    skills,
    ...(agent.tags.length > 0 ? { tags: agent.tags } : {}),
    failureRate: round(agent.failureRate),
    model,
  };
}

/** The synthetic workload's task types (also fitted, and printed, in trace mode) and where arrivals end. */
function fitWorkload(observations: RunObservations, parameters: FittedParameter[], notes: string[]): {
  entries: Record<string, unknown>[];
  end: { timeSeconds: number; drain: boolean };
} {
  const all = [...observations.types.values()].flatMap((type) => type.submittedAt).sort((a, b) => a - b);
  const start = 0;
  const endSeconds = observations.windowSeconds;
  // Submissions at one instant have no rate to fit (the trace replays them as they came).
  const rated = endSeconds > start;
  if (!rated) notes.push('the submissions all arrive at one instant: no arrival rate is fitted');
  const arrivals = fitArrivals(all, start, endSeconds);
  const cvNote = arrivals.cvTest !== null && arrivals.cvTest.pValue < REJECT_AT
    ? `inter-arrival CV ${round(arrivals.interArrivalCv)} rejects Poisson (${arrivals.cvTest.test}, ${formatPValue(arrivals.cvTest.pValue)}): prefer the trace workload`
    : `inter-arrival CV ${round(arrivals.interArrivalCv)}`;
  if (rated) push(parameters, 'workload.arrivals.rate', arrivals.ratePerSecond, 'MLE', arrivals.gof, cvNote);
  if (rated && arrivals.cvTest !== null && arrivals.cvTest.pValue < REJECT_AT) notes.push(cvNote);
  const entries = [...observations.types.values()].map((type) => {
    const at = `workload.tasks[${type.type}]`;
    const rate = fitArrivals(type.submittedAt, start, endSeconds);
    if (rated) push(parameters, `${at}.rate`, rate.ratePerSecond, 'MLE', rate.cvTest, `weight ${round(type.submittedAt.length / all.length)} of the mix`);
    const sizes = fitSizes(type.tokens);
    push(parameters, `${at}.tokens.mean`, sizes.mean, 'moments', sizes.gof, `as ${describe(sizes.distribution)}`);
    const contextTokens = meanInterval(type.contextTokens);
    const total = type.submittedAt.length;
    const priority = Object.fromEntries([...type.priorities].sort((a, b) => a[0] - b[0]).map(([level, count]) => [String(level), round(count / total)]));
    const fixPriority = normalizedPriority(priority);
    const [tagKey] = [...type.tagSets].sort((a, b) => b[1] - a[1])[0] ?? [''];
    const tags = tagKey === '' ? [] : tagKey.split(',');
    return {
      type: type.type,
      weight: round(type.submittedAt.length / all.length),
      tokens: roundDistribution(sizes.distribution),
      ...(contextTokens.mean > 0 ? { contextTokens: round(contextTokens.mean) } : {}),
      ...(type.contextKeys.size > 0 ? { contextKeys: { count: type.contextKeys.size } } : {}),
      priority: fixPriority,
      ...(tags.length > 0 ? { tags } : {}),
    };
  });
  return { entries, end: { timeSeconds: observations.windowSeconds / observations.runs, drain: observations.drained } };
}

/** A single level when one level has every task; otherwise shares that sum to exactly 1. */
function normalizedPriority(shares: Record<string, number>): number | Record<string, number> {
  const levels = Object.keys(shares);
  if (levels.length === 1) return Number(levels[0]);
  const sumOthers = levels.slice(1).reduce((sum, level) => sum + shares[level]!, 0);
  return { ...shares, [levels[0]!]: Number((1 - sumOthers).toFixed(12)) };
}

function describe(distribution: Distribution): string {
  switch (distribution.dist) {
    case 'constant': return `constant ${round(distribution.value)}`;
    case 'exponential': return `exponential, mean ${round(distribution.mean)}`;
    case 'lognormal': return `lognormal, mean ${round(distribution.mean)}, sd ${round(distribution.sd)}`;
    case 'uniform': return `uniform ${round(distribution.min)}..${round(distribution.max)}`;
  }
}

function roundDistribution(distribution: Distribution): Distribution {
  switch (distribution.dist) {
    case 'constant': return { dist: 'constant', value: round(distribution.value) };
    case 'exponential': return { dist: 'exponential', mean: round(distribution.mean) };
    case 'lognormal': return { dist: 'lognormal', mean: round(distribution.mean), sd: round(distribution.sd) };
    case 'uniform': return distribution;
  }
}

function push(parameters: FittedParameter[], name: string, estimate: Estimate, method: FitMethod, gof: TestResult | null, note?: string): void {
  parameters.push({ name, value: estimate.value, interval: estimate.interval, n: estimate.n, method, gof, ...(note === undefined ? {} : { note }) });
}

function parameterValue(parameters: readonly FittedParameter[], name: string): number {
  return round(parameters.find((parameter) => parameter.name === name)?.value ?? 0);
}

/** Six significant digits: the file reads well and loses nothing the intervals resolve. */
function round(x: number): number {
  return Number(x.toPrecision(6));
}
