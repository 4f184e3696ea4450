/**
 * An engine event's line of the events file: the UTF-8 of `JSON.stringify(eventRecord(event))`,
 * appended to a {@link LineBuffer}. A task's transitions are most of the lines (four of a plain
 * task's five) and are written field by field straight from the event, in the record's order,
 * with each field's opening bytes copied from a constant: no record object is made for them,
 * nor are its thirteen keys walked, checked and written one character at a time (the general
 * writer's work, src/live/jsonBytes.ts). Every other kind goes through its record and that writer.
 */
import { eventRecord } from '../engine/eventRecord.js';
import type { EngineEvent, TaskTransitionEvent } from '../engine/messages.js';
import { appendField, appendJson, fieldBytes } from './jsonBytes.js';
import type { LineBuffer } from './lineBuffer.js';

/** Appends the JSON of `eventRecord(event)` (no newline). */
export function appendEventLine(lines: LineBuffer, event: EngineEvent): void {
  if (event.kind === 'transition') {
    const start = lines.length;
    if (appendTransition(lines, event)) return;
    // A value the direct path does not write (a non-finite number…): the record, whole.
    lines.truncate(start);
  }
  appendJson(lines, eventRecord(event));
}

/**
 * Opening bytes of the fields a transition's record shares with a task's history in the service's
 * registry (src/live/service/taskRegistry.ts), which writes its transitions the same way.
 */
export const TRANSITION_FIELD = {
  /** The record's first field, with its opening brace. */
  time: fieldBytes('time', true),
  /** The kind, a field with its value. */
  kindTransition: Buffer.from(',"kind":"transition"'),
  from: fieldBytes('from'),
  to: fieldBytes('to'),
  attempt: fieldBytes('attempt'),
  agent: fieldBytes('agent'),
  reason: fieldBytes('reason'),
  quality: fieldBytes('quality'),
} as const;

/** `}`, which closes a record. */
export const CLOSE_BRACE = 0x7d;

// The transition record's fields, in eventRecord's order.
const { time: TIME, kindTransition: KIND_TRANSITION, from: FROM, to: TO, attempt: ATTEMPT, agent: AGENT, reason: REASON, quality: QUALITY } = TRANSITION_FIELD;
const TASK = fieldBytes('task');
const PRIORITY_RESPECTED = fieldBytes('priorityRespected');
const SETUP_TOKENS = fieldBytes('setupTokens');
const CONTEXT_HIT = fieldBytes('contextHit');
const CONTEXT_BLOCKS_HIT = fieldBytes('contextBlocksHit');

/** Writes a transition's record; false (having written part of it) if a value is not plain data. */
function appendTransition(lines: LineBuffer, event: TaskTransitionEvent): boolean {
  if (!appendField(lines, TIME, event.time)) return false;
  lines.ascii(KIND_TRANSITION);
  const written =
    appendField(lines, TASK, event.task.spec.id) &&
    appendField(lines, FROM, event.from) &&
    appendField(lines, TO, event.to) &&
    appendField(lines, ATTEMPT, event.attempt) &&
    appendField(lines, AGENT, event.agent?.spec.id, true) &&
    appendField(lines, REASON, event.reason, true) &&
    appendField(lines, PRIORITY_RESPECTED, event.priorityRespected, true) &&
    appendField(lines, SETUP_TOKENS, event.setupTokens, true) &&
    appendField(lines, CONTEXT_HIT, event.contextHit, true) &&
    appendField(lines, CONTEXT_BLOCKS_HIT, event.contextBlocksHit, true) &&
    appendField(lines, QUALITY, event.quality, true);
  if (written) lines.byte(CLOSE_BRACE);
  return written;
}
