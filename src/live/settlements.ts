/**
 * What the live driver accepts from a connector: the shape checks of settlements, and the inputs
 * it makes up when a connector fails to report one.
 */
import type { AgentReport, OfferAnswer, Outcome, StartReport } from '../engine/messages.js';
import type { AgentId, TaskId, TaskView } from '../engine/task.js';
import type { OfferResponse } from './connector.js';

/** A rejected or malformed attempt: an agent error. */
export const AGENT_ERROR: Outcome = Object.freeze({ ok: false, reason: 'agent-error' });
/** An attempt the driver's watchdog gave up on. */
export const TIMED_OUT: Outcome = Object.freeze({ ok: false, reason: 'timeout' });
/** A rejected or malformed offer answer. */
export const DECLINED: OfferAnswer = Object.freeze({ accepted: false, reason: 'declined' });

/** The key of an attempt among those the driver waits for. */
export function attemptKey(taskId: TaskId, attempt: number): string {
  return `${taskId}\u0000${attempt}`;
}

/** The key of an offer among those the driver waits for. */
export function offerKey(taskId: TaskId, agentId: AgentId, offer: number): string {
  return `${taskId}\u0000${agentId}\u0000${offer}`;
}

/** The start a driver reports when the connector settled without reporting one: no setup seen. */
export function unobservedStart(task: TaskView): StartReport {
  return { setupTokens: 0, contextHit: task.spec.contextKey === undefined ? null : false };
}

/** Whether a connector answered a start with an {@link Outcome}. */
export function isOutcome(value: unknown): value is Outcome {
  if (typeof value !== 'object' || value === null) return false;
  const outcome = value as { ok?: unknown; quality?: unknown; reason?: unknown };
  return outcome.ok === true ? typeof outcome.quality === 'number' && !Number.isNaN(outcome.quality) : outcome.ok === false && typeof outcome.reason === 'string';
}

/** Whether a connector answered an offer with an {@link OfferResponse}. */
export function isOfferResponse(value: unknown): value is OfferResponse {
  if (typeof value !== 'object' || value === null) return false;
  const { answer, setupTokens } = value as { answer?: { accepted?: unknown; reason?: unknown }; setupTokens?: unknown };
  if (setupTokens !== undefined && (typeof setupTokens !== 'number' || !(setupTokens >= 0))) return false;
  return typeof answer === 'object' && answer !== null && (answer.accepted === true || (answer.accepted === false && typeof answer.reason === 'string'));
}

/** Whether a connector reported a start with a {@link StartReport}. */
export function isStartReport(value: unknown): value is StartReport {
  if (typeof value !== 'object' || value === null) return false;
  const { setupTokens, contextHit, contextBlocksHit } = value as { setupTokens?: unknown; contextHit?: unknown; contextBlocksHit?: unknown };
  return typeof setupTokens === 'number' && setupTokens >= 0 && (contextHit === null || typeof contextHit === 'boolean') &&
    (contextBlocksHit === undefined || (Number.isSafeInteger(contextBlocksHit) && (contextBlocksHit as number) >= 0));
}

function agentReportOf(report: AgentReport): AgentReport {
  return { contextUtilization: report.contextUtilization, residentKeys: report.residentKeys };
}

/**
 * The fields of a start report the engine reads, as a plain object: what the journal records
 * (a connector may report a richer object, such as an emulated agent's whole plan).
 */
export function plainStartReport(report: StartReport): StartReport {
  const plain: StartReport = report.contextBlocksHit === undefined
    ? { setupTokens: report.setupTokens, contextHit: report.contextHit }
    : { setupTokens: report.setupTokens, contextHit: report.contextHit, contextBlocksHit: report.contextBlocksHit };
  return report.agent === undefined ? plain : { ...plain, agent: agentReportOf(report.agent) };
}

/** The fields of an outcome the engine reads, as a plain object (see {@link plainStartReport}). */
export function plainOutcome(outcome: Outcome): Outcome {
  const plain: Outcome = outcome.ok ? { ok: true, quality: outcome.quality } : { ok: false, reason: outcome.reason };
  return outcome.agent === undefined ? plain : { ...plain, agent: agentReportOf(outcome.agent) };
}

/** The fields of an offer answer the engine reads, as a plain object (see {@link plainStartReport}). */
export function plainAnswer(answer: OfferAnswer): OfferAnswer {
  return answer.accepted ? { accepted: true } : { accepted: false, reason: answer.reason };
}
