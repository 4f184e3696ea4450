/**
 * Where a live driver writes every engine input before its effects are acknowledged: a
 * {@link Journal}. The file-backed one is the write-ahead log of a data directory; the memory
 * one ({@link MemoryJournal}) makes every input durable at once, for drivers that persist
 * nothing.
 *
 * The rule a service follows: the effects of input number `seq` (an HTTP answer, a command
 * handed to an agent) are shown to nobody before `whenDurable(seq)` has resolved.
 */
import type { EngineInput } from '../engine/messages.js';

/** An append-only record of engine inputs, numbered 1, 2, … */
export interface Journal {
  /** Records an input about to be fed to the engine; returns its sequence number. */
  append(input: EngineInput): number;
  /** Sequence number of the last input appended (0 before any). */
  readonly appendedSeq: number;
  /** Sequence number of the last input known durable (0 before any). */
  readonly durableSeq: number;
  /** Resolves once every input up to `seq` is durable; rejects if the journal failed. */
  whenDurable(seq: number): Promise<void>;
  /**
   * Calls `callback` once every input up to `seq` is durable, synchronously from the fsync's
   * completion (at once when it already is): no promise, and no further turn of the microtask
   * queue before it. Never called if the journal fails. Optional: use {@link afterDurable}.
   */
  afterDurable?(seq: number, callback: () => void): void;
}

/** Calls `callback` once input `seq` of `journal` is durable: directly when the journal can, else after `whenDurable`; never if it fails. */
export function afterDurable(journal: Journal, seq: number, callback: () => void): void {
  if (journal.afterDurable !== undefined) journal.afterDurable(seq, callback);
  else journal.whenDurable(seq).then(callback, () => undefined);
}

/** A journal that keeps nothing: every input is durable as soon as it is appended. */
export class MemoryJournal implements Journal {
  private seq = 0;

  /** {@inheritDoc Journal.append} */
  append(): number {
    return ++this.seq;
  }

  /** {@inheritDoc Journal.appendedSeq} */
  get appendedSeq(): number {
    return this.seq;
  }

  /** {@inheritDoc Journal.durableSeq}; the same as `appendedSeq`. */
  get durableSeq(): number {
    return this.seq;
  }

  /** Resolves at once: every input is durable when appended. */
  whenDurable(): Promise<void> {
    return Promise.resolve();
  }

  /** Calls `callback` at once: every input is durable when appended. */
  afterDurable(_seq: number, callback: () => void): void {
    callback();
  }
}
