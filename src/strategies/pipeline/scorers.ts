/**
 * Scorers: the second stage of the pipeline (docs/STRATEGIES.md, `scored`). Each `scorers` entry of a
 * scenario file names one, with a `weight` (default 1) and its own settings; the pipeline adds
 * up weight × score per candidate.
 *
 * | name              | score (higher is better)                                                   |
 * | ----------------- | -------------------------------------------------------------------------- |
 * | `skill`           | the agent's skill for the task's type                                      |
 * | `load`            | 1 − tasks in hand per slot (may go below 0 under early binding, see below) |
 * | `context`         | 1 − context utilization                                                    |
 * | `tokens`          | tokens in hand per slot, as a cost                                         |
 * | `work-left`       | seconds of work in hand (tokens ÷ (capacity × speed)), as a cost           |
 * | `affinity`        | 1 when the task's contextKey is resident on the agent, else 0              |
 * | `speed`           | tokens per second, as a benefit                                            |
 * | `expected-finish` | (tokens ahead per slot + the task's tokens) ÷ speed, as a cost             |
 * | `quality-ewma`    | EWMA of the agent's attempt quality (./learnedScorers.ts)                  |
 * | `latency-ewma`    | expected finish at the agent's observed pace, as a cost (./learnedScorers.ts) |
 *
 * "As a cost" and "as a benefit": scaled against the other candidates (./scoring.ts).
 *
 * `load` is not clamped at 0: under early binding an agent's own queue may hold more tasks
 * than it has slots, and clamping would make every such agent tie, so that a skill-heavy mix
 * would pile all work onto the most skilled agent's queue. Under late binding every candidate
 * has a free slot and `load` lies in (0, 1].
 */
import { z } from 'zod';
import { skillFor, type AgentView } from '../../engine/agent.js';
import type { TaskView } from '../../engine/task.js';
import { ewmaAlpha, scoreWeight, share, strictParams } from '../params.js';
import { tasksPerSlot, tokensAhead, tokensPerSlot, workLeftSeconds } from './estimates.js';
import { LatencyEwmaScorer, QualityEwmaScorer } from './learnedScorers.js';
import { benefitsToScores, costsToScores, type Scorer } from './scoring.js';

const weight = scoreWeight.default(1);

/** One `scorers` entry of a scenario file, defaults applied. */
export const scorerSchema = z.discriminatedUnion('name', [
  strictParams({ name: z.literal('skill'), weight }),
  strictParams({ name: z.literal('load'), weight }),
  strictParams({ name: z.literal('context'), weight }),
  strictParams({ name: z.literal('tokens'), weight }),
  strictParams({ name: z.literal('work-left'), weight }),
  strictParams({ name: z.literal('affinity'), weight }),
  strictParams({ name: z.literal('speed'), weight }),
  strictParams({ name: z.literal('expected-finish'), weight }),
  strictParams({ name: z.literal('quality-ewma'), weight, alpha: ewmaAlpha.default(0.2), prior: share.default(1) }),
  strictParams({ name: z.literal('latency-ewma'), weight, alpha: ewmaAlpha.default(0.2) }),
]);

/** A scorer entry once parsed. */
export type ScorerConfig = z.output<typeof scorerSchema>;

/** Every scorer name, for documentation and messages. */
export const SCORER_NAMES: readonly ScorerConfig['name'][] = scorerSchema.options.map((option) => option.shape.name.value);

/** A scorer that looks at one agent at a time and needs no scaling. */
function direct(value: (task: TaskView, agent: AgentView) => number): Scorer {
  return {
    score(task, agents, count, out) {
      for (let i = 0; i < count; i++) out[i] = value(task, agents[i]!);
    },
  };
}

/** A scorer over a per-agent cost (lower is better), scaled by `costsToScores`. */
function cost(value: (task: TaskView, agent: AgentView) => number): Scorer {
  return {
    score(task, agents, count, out) {
      for (let i = 0; i < count; i++) out[i] = value(task, agents[i]!);
      costsToScores(out, count);
    },
  };
}

/** A scorer over a per-agent benefit (higher is better), scaled by `benefitsToScores`. */
function benefit(value: (agent: AgentView) => number): Scorer {
  return {
    score(_task, agents, count, out) {
      for (let i = 0; i < count; i++) out[i] = value(agents[i]!);
      benefitsToScores(out, count);
    },
  };
}

/** A fresh scorer for a config entry (learning scorers keep state, so one per strategy). */
export function createScorer(config: ScorerConfig): Scorer {
  switch (config.name) {
    case 'skill':
      return direct((task, agent) => skillFor(agent, task.spec.type));
    case 'load':
      return direct((_task, agent) => 1 - tasksPerSlot(agent));
    case 'context':
      return direct((_task, agent) => 1 - agent.contextUtilization);
    case 'tokens':
      return cost((_task, agent) => tokensPerSlot(agent));
    case 'work-left':
      return cost((_task, agent) => workLeftSeconds(agent));
    case 'affinity':
      return direct((task, agent) => (task.spec.contextKey !== undefined && agent.residentKeys.has(task.spec.contextKey) ? 1 : 0));
    case 'speed':
      return benefit((agent) => agent.spec.tokensPerSecond);
    case 'expected-finish':
      return cost((task, agent) => (tokensAhead(agent) + task.spec.tokens) / agent.spec.tokensPerSecond);
    case 'quality-ewma':
      return new QualityEwmaScorer(config.alpha, config.prior);
    case 'latency-ewma':
      return new LatencyEwmaScorer(config.alpha);
    default: {
      const unreachable: never = config;
      throw new Error(`unknown scorer ${JSON.stringify(unreachable)}`);
    }
  }
}
