/**
 * Timers. Owns the engine's pending timers (a task's TTL while queued, attempt timeout while
 * running, retry backoff while retrying, offer timeout while offered; each autoscaler's
 * evaluation), their ids, the `setTimer`/`cancelTimer` commands, retry backoff with jitter
 * (the engine's only random draw) and what each timer does when it fires.
 *
 * May touch: `timers`, `nextTimerId`, a task's `timerId`; when a timer fires it calls
 * the ledger, dispatch, delegation and operations as the timer's kind asks.
 */
import { returnOffer, withdrawOffers } from './delegation.js';
import { dispatch, enqueue, refill, unqueue } from './dispatch.js';
import type { EngineState } from './engineState.js';
import { advance, pushCommand } from './inputs.js';
import { endAttempt, failAttempt, finish, move } from './ledger.js';
import { evaluateScaler } from './operations.js';
import type { TaskRecord } from './task.js';

/** What a task's pending timer is for. */
export type TimerKind = 'ttl' | 'timeout' | 'retry' | 'offer';
/** A pending timer, due at `at`: a task's, or an autoscaler's evaluation (by index). */
export type Timer =
  | { readonly kind: TimerKind; readonly task: TaskRecord; readonly at: number }
  | { readonly kind: 'autoscale'; readonly scaler: number; readonly at: number };

/** A timer the engine set has fired. Timers it cancelled are ignored. */
export function timerFired(s: EngineState, now: number, timerId: number): void {
  advance(s, now);
  const timer = s.timers.get(timerId);
  if (timer === undefined) return;
  s.timers.delete(timerId);
  if (timer.kind === 'autoscale') {
    evaluateScaler(s, timer.scaler, now);
    dispatch(s, now);
    return;
  }
  const task = timer.task;
  switch (timer.kind) {
    case 'ttl':
      task.timerId = 0;
      unqueue(s, task);
      finish(s, task, 'expired', now, 'ttl');
      break;
    case 'timeout': {
      task.timerId = 0;
      const agent = s.fleet.agents[task.agentIndex]!;
      endAttempt(s, task, agent, 'timeout');
      failAttempt(s, task, agent, 'timeout', now);
      refill(s, agent, now);
      break;
    }
    case 'retry':
      task.timerId = 0;
      move(s, task, 'queued', now);
      enqueue(s, task, now);
      break;
    case 'offer':
      task.timerId = 0;
      withdrawOffers(s, task, now, 'offer-timeout');
      returnOffer(s, task, now);
      break;
    default: {
      const unreachable: never = timer;
      throw new Error(`unknown timer ${JSON.stringify(unreachable)}`);
    }
  }
  dispatch(s, now);
}

/** Sets a timer of `kind` for `task` at time `at` and tells the driver; returns its id. */
export function setTimer(s: EngineState, kind: TimerKind, task: TaskRecord, at: number): number {
  if (task.timerId !== 0) throw new Error(`task ${task.spec.id} already has timer ${task.timerId} pending; cannot set a ${kind} timer`);
  const timerId = s.nextTimerId++;
  s.timers.set(timerId, { kind, task, at });
  pushCommand(s, { kind: 'setTimer', timerId, at });
  return timerId;
}

/** Cancels `task`'s pending timer, if it has one, and tells the driver. */
export function clearTimer(s: EngineState, task: TaskRecord): void {
  const timerId = task.timerId;
  if (timerId === 0) return;
  task.timerId = 0;
  s.timers.delete(timerId);
  pushCommand(s, { kind: 'cancelTimer', timerId });
}

/** Retrying: the backoff timer of the next attempt, `baseSeconds * factor^(attempt - 1)` capped at `maxSeconds`, with jitter. */
export function scheduleRetry(s: EngineState, task: TaskRecord, now: number): void {
  const { baseSeconds, factor, jitter, maxSeconds } = s.config.retry.backoff;
  const base = Math.min(maxSeconds, baseSeconds * factor ** (task.attempt - 1));
  const delay = base * (1 + jitter * (2 * s.engineRandom() - 1));
  task.timerId = setTimer(s, 'retry', task, now + Math.max(0, delay));
}
