/**
 * Filters: the first stage of the pipeline (docs/STRATEGIES.md, `scored`). A filter says whether an
 * agent may take a task at all; the binding filter (free slot under late binding, accepting
 * under early binding, see `isEligible`) always runs before them. Each filter is named in the
 * scenario file by `name`, with its own settings beside it.
 */
import { z } from 'zod';
import { hasTags, skillFor, type AgentView } from '../../engine/agent.js';
import type { TaskView } from '../../engine/task.js';
import { share, strictParams } from '../params.js';
import { tasksPerSlot } from './estimates.js';

/** A filter's decision for one agent and one task. */
export type Filter = (task: TaskView, agent: AgentView) => boolean;

/** One `filters` entry of a scenario file, defaults applied. */
export const filterSchema = z.discriminatedUnion('name', [
  /** The agent's skill for the task's type is at least `min`. */
  strictParams({ name: z.literal('skill-at-least'), min: share.default(0.5) }),
  /** The agent carries every tag the task carries. */
  strictParams({ name: z.literal('has-tags') }),
  /** The agent's context utilization is below `max`. */
  strictParams({ name: z.literal('context-below'), max: share.default(0.8) }),
  /** The agent holds fewer than `max` tasks per slot (active plus its own queue). */
  strictParams({ name: z.literal('load-below'), max: z.number().positive().default(1) }),
]);

/** A filter entry once parsed. */
export type FilterConfig = z.output<typeof filterSchema>;

/** Every filter name, for documentation and messages. */
export const FILTER_NAMES: readonly FilterConfig['name'][] = filterSchema.options.map((option) => option.shape.name.value);

/** True when the agent's skill for the task's type is at least `min` (a missing skill is 0). */
export function skillAtLeast(task: TaskView, agent: AgentView, min: number): boolean {
  return skillFor(agent, task.spec.type) >= min;
}

/** The filter a config entry describes. */
export function createFilter(config: FilterConfig): Filter {
  switch (config.name) {
    case 'skill-at-least': {
      const min = config.min;
      return (task, agent) => skillAtLeast(task, agent, min);
    }
    case 'has-tags':
      return (task, agent) => hasTags(agent, task.spec.tags);
    case 'context-below': {
      const max = config.max;
      return (_task, agent) => agent.contextUtilization < max;
    }
    case 'load-below': {
      const max = config.max;
      return (_task, agent) => tasksPerSlot(agent) < max;
    }
    default: {
      const unreachable: never = config;
      throw new Error(`unknown filter ${JSON.stringify(unreachable)}`);
    }
  }
}
