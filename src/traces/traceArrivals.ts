/**
 * The arrivals of a trace replay, in time order: the rows of the file inside the window,
 * repeated `loop` times, thinned or superposed by `rateScale`, on the simulated clock
 * (`timeScale`). Memory is one reader per superposed copy, whatever the file's length.
 *
 * Rate scaling: ⌈rateScale⌉ copies of the trace, each keeping a row with probability
 * rateScale ÷ ⌈rateScale⌉ (one draw per row from the copy's own seeded stream, so every strategy
 * sees the same rows); copy 0 is in place, copy c > 0 is shifted by an offset drawn in
 * [0, copyOffsetSeconds). Loop: pass p is shifted by p periods, a period being the window's
 * length, or, without a window end, the span of the rows plus one mean gap.
 */
import { stream, type Uniform } from '../sim/random.js';
import { openTraceReader, timeBackwardsError } from './openReader.js';
import type { TraceConfig, TraceRow, TraceRowReader } from './types.js';

/** One arrival: the row, when (simulated seconds), and which copy and pass it belongs to. */
export interface TraceArrival {
  /** The row as read. */
  readonly row: TraceRow;
  /** When it arrives, simulated seconds. */
  readonly atSeconds: number;
  /** Superposed copy it belongs to (0: the trace in place). */
  readonly copy: number;
  /** Loop pass it belongs to (0: the first). */
  readonly pass: number;
}

/** One copy of the trace: its reader, the pass it is in and what it has seen of it. */
class TraceCopy {
  private reader: TraceRowReader | undefined;
  pass = 0;
  /** The copy's next arrival (undefined once every pass is over). */
  head: TraceArrival | undefined;
  private passOffset = 0;
  private firstTime = Number.NaN;
  private lastTime = Number.NaN;
  private rows = 0;

  constructor(
    private readonly config: TraceConfig,
    readonly index: number,
    private readonly offsetSeconds: number,
    private readonly keep: Uniform | undefined,
    private readonly keepProbability: number,
  ) {
    this.head = this.advance();
  }

  close(): void {
    this.reader?.close();
  }

  /** Moves `head` on to the copy's next arrival. */
  step(): void {
    this.head = this.advance();
  }

  private advance(): TraceArrival | undefined {
    const { window, loop, timeScale } = this.config;
    for (;;) {
      this.reader ??= openTraceReader(this.config);
      const row = this.reader.next();
      if (row === undefined || row.timeSeconds >= window.toSeconds) {
        this.reader.close();
        this.reader = undefined;
        if (this.rows === 0) return undefined; // nothing in the window: no later pass has any either
        this.pass++;
        if (this.pass >= loop) return undefined;
        this.passOffset += this.period();
        this.firstTime = this.lastTime = Number.NaN;
        this.rows = 0;
        continue;
      }
      if (row.timeSeconds < this.lastTime) {
        this.close();
        throw timeBackwardsError(this.config, row.line, row.timeSeconds, this.lastTime);
      }
      this.lastTime = row.timeSeconds;
      if (row.timeSeconds < window.fromSeconds) continue;
      if (this.rows++ === 0) this.firstTime = row.timeSeconds;
      if (this.keep !== undefined && this.keep() >= this.keepProbability) continue;
      const traceSeconds = this.passOffset + (row.timeSeconds - window.fromSeconds) + this.offsetSeconds;
      return { row, atSeconds: traceSeconds * timeScale, copy: this.index, pass: this.pass };
    }
  }

  /** Trace seconds between the starts of two passes. */
  private period(): number {
    const { fromSeconds, toSeconds } = this.config.window;
    if (Number.isFinite(toSeconds)) return toSeconds - fromSeconds;
    const meanGap = this.rows > 1 ? (this.lastTime - this.firstTime) / (this.rows - 1) : 1;
    return this.lastTime - fromSeconds + (meanGap > 0 ? meanGap : 1);
  }
}

/** Pulls the arrivals of a trace replay in time order (copies merged, ties to the lower copy). */
export class TraceArrivals {
  private readonly copies: TraceCopy[];

  /** @param seed, replication - select the thinning and offset streams. */
  constructor(config: TraceConfig, seed: number, replication: number) {
    const count = Math.ceil(config.rateScale);
    const keepProbability = config.rateScale / count;
    const offsets = stream(seed, replication, 'trace/offsets');
    this.copies = Array.from({ length: count }, (_, c) => {
      const offset = c === 0 ? 0 : offsets() * config.copyOffsetSeconds;
      const keep = keepProbability < 1 ? stream(seed, replication, `trace/keep/${c}`) : undefined;
      return new TraceCopy(config, c, offset, keep, keepProbability);
    });
  }

  /** The next arrival, or undefined when the replay is over. */
  next(): TraceArrival | undefined {
    let first: TraceCopy | undefined;
    for (const copy of this.copies) {
      const head = copy.head;
      if (head !== undefined && (first === undefined || head.atSeconds < first.head!.atSeconds)) first = copy;
    }
    if (first === undefined) return undefined;
    const arrival = first.head!;
    first.step();
    return arrival;
  }

  /** Closes every file (a run that stops before the trace ends). */
  close(): void {
    for (const copy of this.copies) copy.close();
  }
}
