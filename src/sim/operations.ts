/**
 * The operator's side of scenario `operations`: each action turned into engine inputs, the same
 * way for the simulator and the live driver.
 */
import type { AdminOperation } from '../engine/messages.js';
import type { TaskView } from '../engine/task.js';
import type { ScenarioOperation, SimAgentConfig } from '../scenario/types.js';
import type { FleetNames } from './fleetNames.js';

/**
 * Where an operation's inputs go. Each method is one input whose commands the driver carries out
 * before it returns.
 */
export interface OperationTarget {
  /** Carries out an operator's admin operation. */
  admin(operation: AdminOperation): void;
  /** Reports that agent `agentId` left the fleet. */
  agentLeft(agentId: string): void;
  /** A new agent joins (its model must be known to whoever runs its attempts). */
  join(config: SimAgentConfig): void;
  /** Live tasks, for `set-priority`. */
  liveTasks(): Iterable<TaskView>;
}

/** Applies an operator's action from the scenario. */
export function applyOperation(operation: ScenarioOperation, target: OperationTarget, names: FleetNames): void {
  switch (operation.op) {
    case 'pause-type':
    case 'resume-type':
      target.admin({ op: operation.op, type: operation.type });
      break;
    case 'drain':
      target.admin({ op: 'drain', agentId: operation.agent });
      break;
    case 'remove':
      target.agentLeft(operation.agent);
      break;
    case 'add': {
      const template = names.templateLike(operation.like);
      for (let i = 0; i < operation.count; i++) target.join(names.newAgentLike(template));
      break;
    }
    case 'set-priority': {
      const queued = [...target.liveTasks()].filter((task) => task.state === 'queued' && task.spec.type === operation.type);
      queued.sort((a, b) => a.seq - b.seq);
      for (const task of queued) target.admin({ op: 'set-priority', taskId: task.spec.id, priority: operation.priority });
      break;
    }
    case 'pause':
    case 'resume':
      target.admin({ op: operation.op, taskId: operation.task });
      break;
    default: {
      const unreachable: never = operation;
      throw new Error(`unknown operation ${JSON.stringify(unreachable)}`);
    }
  }
}
