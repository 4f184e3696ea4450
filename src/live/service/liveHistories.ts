/**
 * The histories of the tasks in flight, kept as JSON bytes outside the JavaScript heap: each
 * task's events written once, comma-separated, into one arena buffer, and the task's slot in
 * typed-array columns (where its bytes are, how many events, when it was submitted). A task in
 * flight survives the scavenges that run while it waits and runs, and each one copied its event
 * objects, their array and their boxed times; here it keeps one slot number on its entry and
 * nothing a scavenge copies. The events are parsed back only when a client reads them, and a task
 * that settles is frozen by copying its bytes (src/live/service/settledTaskRing.ts).
 *
 * An event appended to a task moves the task's bytes to the arena's end (a few hundred bytes
 * copied); what it leaves behind is reclaimed by compacting: when the arena is full, the bytes of
 * the open slots are copied into a new arena of {@link ARENA_PER_OPEN_BYTE} times their size, so
 * at least three times as many bytes are appended before the next compaction (amortised O(1) a
 * byte) and the arena holds at most about eight times the bytes of the open histories (and at
 * least {@link INITIAL_ARENA_BYTES}).
 *
 * Each event is a flat JSON object (its values strings, numbers, booleans or null), so the end of
 * the oldest one, dropped when a history holds as many events as it may keep, is its first `}`
 * outside a string.
 */
import type { LineBuffer } from '../lineBuffer.js';
import { grownColumn } from '../grownColumn.js';

/** The arena's bytes at first and at least: ~250 tasks in flight of the bench's ~250 bytes. */
const INITIAL_ARENA_BYTES = 1 << 16;

/**
 * A compacted arena's bytes per byte of the open histories: compactions come after three times
 * the open bytes were appended (each append copies its task's bytes), rarely enough that their
 * copies are a small part of the registry's work.
 */
const ARENA_PER_OPEN_BYTE = 4;

/** Slots allocated at first, doubled as needed. */
const INITIAL_SLOTS = 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Live tasks' histories by slot; see the module's description. */
export class LiveHistories {
  private arena: Buffer = Buffer.allocUnsafeSlow(INITIAL_ARENA_BYTES);
  /** Bytes of the arena written, live or left behind. */
  private arenaUsed = 0;
  /** Bytes of the open slots' histories. */
  private openBytes = 0;

  private offsets = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  private eventCounts = new Uint32Array(0);
  private submittedAts = new Float64Array(0);
  private opened = new Uint8Array(0);
  /** Closed slots, reused first. */
  private readonly freeSlots: number[] = [];
  /** Slots ever handed out (the columns' used part). */
  private slotsUsed = 0;

  /** Open slots (tasks in flight). */
  get size(): number {
    return this.slotsUsed - this.freeSlots.length;
  }

  /** Bytes of the arena (what the histories hold outside the heap, with what compaction will reclaim). */
  get arenaBytes(): number {
    return this.arena.length;
  }

  /**
   * Opens a history of `eventCount` events: the bytes of `events` (each event's JSON, separated by
   * commas), of a task submitted at `submittedAt`; returns its slot.
   */
  open(submittedAt: number, events: LineBuffer, eventCount: number): number {
    const slot = this.freeSlots.pop() ?? this.newSlot();
    // Reserved before the slot is open: a compaction moves the open slots' bytes, and a reused
    // slot's offset is still the one it had, in an arena maybe larger than this one.
    this.reserve(events.length);
    this.opened[slot] = 1;
    this.submittedAts[slot] = submittedAt;
    this.eventCounts[slot] = eventCount;
    this.offsets[slot] = this.arenaUsed;
    events.copyTo(this.arena, this.arenaUsed);
    this.lengths[slot] = events.length;
    this.arenaUsed += events.length;
    this.openBytes += events.length;
    return slot;
  }

  /**
   * Appends one event (the JSON of one flat object, all of `event`) to a slot's history; if the
   * history then holds more than `keep` events, its oldest is dropped. True if one was.
   */
  append(slot: number, event: LineBuffer, keep: number): boolean {
    const dropping = this.eventCounts[slot]! >= keep;
    // Reserved first: a compaction moves the slot's bytes.
    this.reserve(this.lengths[slot]! + 1 + event.length);
    let from = this.offsets[slot]!;
    const end = from + this.lengths[slot]!;
    if (dropping) {
      from = endOfFirstEvent(this.arena, from, end);
      // The comma after it, if another event follows.
      if (from < end) from++;
    }
    const at = this.arenaUsed;
    this.arena.copyWithin(at, from, end);
    let used = at + end - from;
    if (used > at) this.arena[used++] = COMMA;
    event.copyTo(this.arena, used);
    used += event.length;
    this.openBytes += used - at - this.lengths[slot]!;
    this.offsets[slot] = at;
    this.lengths[slot] = used - at;
    this.arenaUsed = used;
    if (!dropping) this.eventCounts[slot]!++;
    return dropping;
  }

  /** When the task of a slot was submitted (its `submitted` event's time, kept after the event is dropped). */
  submittedAt(slot: number): number {
    return this.submittedAts[slot]!;
  }

  /** The events of a slot, as the JSON text of their array. */
  json(slot: number): string {
    const offset = this.offsets[slot]!;
    return `[${this.arena.toString('utf8', offset, offset + this.lengths[slot]!)}]`;
  }

  /** Appends the events of a slot to `lines` as the JSON of their array. */
  appendJson(slot: number, lines: LineBuffer): void {
    const offset = this.offsets[slot]!;
    lines.byte(OPEN_BRACKET);
    lines.bytesOf(this.arena, offset, offset + this.lengths[slot]!);
    lines.byte(CLOSE_BRACKET);
  }

  /** Closes a slot (its task settled): its bytes are reclaimed by the next compaction, the slot reused. */
  close(slot: number): void {
    this.opened[slot] = 0;
    this.openBytes -= this.lengths[slot]!;
    this.freeSlots.push(slot);
  }

  /** Makes room for `bytes` more at the arena's end, compacting the open histories into a new arena if needed. */
  private reserve(bytes: number): void {
    if (this.arenaUsed + bytes <= this.arena.length) return;
    const old = this.arena;
    const next = Buffer.allocUnsafeSlow(Math.max(INITIAL_ARENA_BYTES, ARENA_PER_OPEN_BYTE * (this.openBytes + bytes)));
    let used = 0;
    for (let slot = 0; slot < this.slotsUsed; slot++) {
      if (this.opened[slot] === 0) continue;
      const offset = this.offsets[slot]!;
      const length = this.lengths[slot]!;
      next.set(old.subarray(offset, offset + length), used);
      this.offsets[slot] = used;
      used += length;
    }
    this.arena = next;
    this.arenaUsed = used;
  }

  private newSlot(): number {
    if (this.slotsUsed === this.offsets.length) {
      const slots = Math.max(INITIAL_SLOTS, this.offsets.length * 2);
      this.offsets = grownColumn(this.offsets, new Uint32Array(slots));
      this.lengths = grownColumn(this.lengths, new Uint32Array(slots));
      this.eventCounts = grownColumn(this.eventCounts, new Uint32Array(slots));
      this.submittedAts = grownColumn(this.submittedAts, new Float64Array(slots));
      this.opened = grownColumn(this.opened, new Uint8Array(slots));
    }
    return this.slotsUsed++;
  }
}

/** Where the first of the flat JSON objects in `bytes` from `start` ends: after its first `}` outside a string. */
function endOfFirstEvent(bytes: Uint8Array, start: number, end: number): number {
  let inString = false;
  for (let at = start; at < end; at++) {
    const byte = bytes[at]!;
    if (inString) {
      if (byte === BACKSLASH) at++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === CLOSE_BRACE) return at + 1;
  }
  return end;
}
