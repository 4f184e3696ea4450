/**
 * A small event loop around the {@link Harness} for tests of strategies that learn: tasks
 * arrive at a steady pace, every start is answered at once, and each attempt finishes after a
 * duration (and with an outcome) that the test chooses per agent and time, so that a test can
 * make one agent slow down or degrade mid-run and watch where new work goes.
 */
import type { Outcome } from '../../src/engine/messages.js';
import type { AgentId, TaskId } from '../../src/engine/task.js';
import { OK, type Harness } from './harness.js';

/** How a paced run goes. */
export interface PacedRun {
  /** Tasks to submit, one every `intervalSeconds` from time 0. */
  readonly tasks: number;
  /** Seconds between two submissions. */
  readonly intervalSeconds: number;
  /** Tokens of every task. */
  readonly tokens: number;
  /** Seconds an attempt that starts on `agentId` at `startedAt` runs. */
  readonly durationSeconds: (agentId: AgentId, startedAt: number) => number;
  /** How such an attempt ends. @defaultValue success with quality 1 */
  readonly outcome?: (agentId: AgentId, startedAt: number) => Outcome;
}

/** Where a task was bound: its queue owner at submission (early binding) or its first start (late). */
export interface Binding {
  /** The task bound. */
  readonly taskId: TaskId;
  /** When it was bound (seconds): its submission under early binding, its first start under late. */
  readonly time: number;
  /** The agent it was bound to. */
  readonly agentId: AgentId;
}

interface Finish {
  readonly taskId: TaskId;
  readonly attempt: number;
  readonly at: number;
  readonly outcome: Outcome;
}

/** Runs `run` on `h` until every task is final; returns each task's binding, in task order. */
export function runPaced(h: Harness, run: PacedRun): Binding[] {
  const early = h.config.binding === 'early';
  const bindings = new Map<TaskId, Binding>();
  const finishes: Finish[] = [];
  let seenCommands = 0;

  /**
   * Answers every pending start now (so each attempt starts at the time it was ordered) and
   * schedules the finish of each attempt ordered since the last call.
   */
  const settleStarts = (): void => {
    h.drive();
    for (; seenCommands < h.commands.length; seenCommands++) {
      const command = h.commands[seenCommands]!;
      if (command.kind !== 'start') continue;
      if (!early && !bindings.has(command.taskId)) bindings.set(command.taskId, { taskId: command.taskId, time: command.time, agentId: command.agentId });
      const at = h.now + run.durationSeconds(command.agentId, h.now);
      finishes.push({ taskId: command.taskId, attempt: command.attempt, at, outcome: run.outcome?.(command.agentId, h.now) ?? OK });
    }
  };

  let submitted = 0;
  for (let steps = 0; ; steps++) {
    if (steps > 100 * run.tasks + 1000) throw new Error('runPaced: too many steps');
    finishes.sort((a, b) => a.at - b.at || a.taskId.localeCompare(b.taskId));
    const nextArrival = submitted < run.tasks ? submitted * run.intervalSeconds : Number.POSITIVE_INFINITY;
    const nextFinish = finishes[0]?.at ?? Number.POSITIVE_INFINITY;
    if (nextArrival === Number.POSITIVE_INFINITY && nextFinish === Number.POSITIVE_INFINITY) {
      if (!h.fireNextTimer()) break; // a retry backoff may still be pending
      settleStarts();
      continue;
    }
    if (nextFinish <= nextArrival) {
      const finish = finishes.shift()!;
      h.advanceTo(finish.at);
      h.finishAttempt(finish.taskId, finish.attempt, finish.outcome);
    } else {
      h.advanceTo(nextArrival);
      const taskId = `t${submitted++}`;
      h.submit({ id: taskId, tokens: run.tokens });
      if (early) {
        const task = h.engine.task(taskId)!;
        bindings.set(taskId, { taskId, time: h.now, agentId: h.engine.agents[task.agentIndex]!.spec.id });
      }
    }
    settleStarts();
  }
  h.assertAll();
  return [...bindings.values()].sort((a, b) => Number(a.taskId.slice(1)) - Number(b.taskId.slice(1)));
}

/** The share of `bindings` with time in [from, to) that went to `agentId`, and how many there were. */
export function shareOf(bindings: readonly Binding[], agentId: AgentId, from: number, to: number): { share: number; n: number } {
  const window = bindings.filter((b) => b.time >= from && b.time < to);
  if (window.length === 0) throw new Error(`no bindings in [${from}, ${to})`);
  return { share: window.filter((b) => b.agentId === agentId).length / window.length, n: window.length };
}
