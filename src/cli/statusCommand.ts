/**
 * `fleetsim status --url URL`: the few figures of a live `fleetsim serve` that matter, read from
 * its `GET /v1/metrics` (over about the last `--window` seconds when asked), printed as `run`
 * prints a strategy's; `--json` prints the document itself, and `--watch N` repeats every N
 * seconds until SIGINT or SIGTERM (docs/LIVE.md, "Watching a service: fleetsim status").
 */
import { InputError } from '../scenario/errors.js';
import { MAX_LIVE_SECONDS } from '../scenario/schema.js';
import type { TaskCounts } from '../engine/engine.js';
import { metricValue } from '../metrics/directions.js';
import type { WindowCoverage } from '../metrics/recentMetrics.js';
import { textTable } from '../report/tables.js';
import { pause } from '../live/clients/backoff.js';
import { ServiceClient, ServiceUnavailable, errorText, type ServiceAnswer } from '../live/clients/serviceClient.js';
import { onStopSignal, parseServiceUrl, parseToken } from './clientFlags.js';
import { figureText, HEADLINE_FIGURES, type Figure } from './format.js';
import { legendText, METRIC_MEANINGS } from './legend.js';

/** Flags of `status`. */
export interface StatusArgs {
  /** `--url`: the service's base URL. */
  url: string;
  /** `--token`: the bearer token to send, when the service checks tokens. */
  token?: string;
  /** `--window`: seconds; the metrics over about the last this many seconds instead of the whole history. */
  window?: number;
  /** `--watch`: seconds between two reports; absent: one report. */
  watch?: number;
  /** `--json`: print the service's document instead of the figures. */
  json: boolean;
}

/** How long one request may take before the service counts as unreachable. */
export const REQUEST_TIMEOUT_SECONDS = 5;

/** Shortest `--watch`: a report every 0.1 s is already more than a reader can follow. */
export const SHORTEST_WATCH_SECONDS = 0.1;

/** Clears a terminal and puts the cursor at its top left, so that a report redraws in place. */
const CLEAR_SCREEN = '\u001b[H\u001b[2J';

/** `--window`: seconds in (0, {@link MAX_LIVE_SECONDS}], the longest window any service keeps (`live.metricsWindowSeconds`). */
export function parseWindowSeconds(window: number | undefined): number | undefined {
  if (window === undefined) return undefined;
  if (!(Number.isFinite(window) && window > 0 && window <= MAX_LIVE_SECONDS)) {
    throw new InputError('command line', '--window', `expected seconds > 0 and <= ${MAX_LIVE_SECONDS} (the longest live.metricsWindowSeconds), got ${String(window)}`);
  }
  return window;
}

/** `--watch`: seconds from {@link SHORTEST_WATCH_SECONDS} to {@link MAX_LIVE_SECONDS}. */
export function parseWatchSeconds(watch: number | undefined): number | undefined {
  if (watch === undefined) return undefined;
  if (!(Number.isFinite(watch) && watch >= SHORTEST_WATCH_SECONDS && watch <= MAX_LIVE_SECONDS)) {
    throw new InputError('command line', '--watch', `expected seconds from ${SHORTEST_WATCH_SECONDS} to ${MAX_LIVE_SECONDS}, got ${String(watch)}`);
  }
  return watch;
}

/** The parts of `GET /v1/metrics`'s answer a report reads. */
export interface StatusDocument {
  /** The service's clock: seconds since its data directory's epoch. */
  readonly timeSeconds: number;
  /** What the window covers (as the service's `RecentMetrics` answers it); absent without `--window`. */
  readonly window?: WindowCoverage;
  /** The engine's ledger of tasks by state, over the whole history. */
  readonly counts: TaskCounts;
  /** The run metrics document (over the window, with one). */
  readonly metrics: object;
  /** The tasks in flight now by state, when the document has them (a service before they were kept has not). */
  readonly inFlight?: Readonly<Record<string, number>>;
  /** The service's process, when the document names it; its uptime when the document has it. */
  readonly process?: { readonly pid: number; readonly launcherPid: number | null; readonly uptimeSeconds?: number };
}

/** The task states in the order a report lists them, and their words. */
const LEDGER_STATES: readonly (readonly [keyof TaskCounts, string])[] = [
  ['submitted', 'submitted'], ['inFlight', 'in flight'], ['completed', 'completed'], ['deadLettered', 'dead-lettered'],
  ['expired', 'expired'], ['cancelled', 'cancelled'], ['rejected', 'rejected'],
];

/** A figure `run`'s table does not show, defined as it defines its own. */
function extraFigure(path: string, title: string, digits: number): Figure {
  return { title, meaning: METRIC_MEANINGS[path]!, path, digits };
}

/** `run`'s headline figure at `path`. */
function headlineFigure(path: string): Figure {
  return HEADLINE_FIGURES.find((figure) => figure.path === path)!;
}

/**
 * Seconds of latency and wait to the millisecond: a service's agents may answer in milliseconds,
 * where `run`'s two decimals would show steps of 10 ms.
 */
const LIVE_SECONDS_DIGITS = 3;

/** `run`'s headline figure at `path`, to the millisecond. */
function toTheMillisecond(path: string): Figure {
  return { ...headlineFigure(path), digits: LIVE_SECONDS_DIGITS };
}

/**
 * The figures of a report, in its order: `run`'s headline figures but the completed count (the
 * task line has it), with throughput and the latency and wait quantiles a live service is watched
 * by, its seconds to the millisecond.
 */
export const STATUS_FIGURES: readonly Figure[] = [
  extraFigure('throughput', 'throughput (/s)', 4),
  extraFigure('latency.p50', 'latency p50 (s)', LIVE_SECONDS_DIGITS),
  toTheMillisecond('latency.p95'),
  extraFigure('latency.p99', 'latency p99 (s)', LIVE_SECONDS_DIGITS),
  toTheMillisecond('latency.mean'),
  toTheMillisecond('wait.mean'),
  extraFigure('wait.p95', 'wait p95 (s)', LIVE_SECONDS_DIGITS),
  headlineFigure('deadlineSuccess'),
  headlineFigure('gini.tasks'),
  headlineFigure('utilization'),
  headlineFigure('contextWaste'),
  headlineFigure('quality.mean'),
];

/** Seconds as a report prints them: at most three decimals, no trailing zeros. */
function seconds(value: number): string {
  return String(Number(value.toFixed(3)));
}

/** A duration as `2 d 3 h 4 min 5 s`, from its largest unit, whole seconds (`0 s` under one). */
export function uptimeText(totalSeconds: number): string {
  let rest = Math.floor(totalSeconds);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['min', 60]] as const) {
    if (rest >= size || parts.length > 0) parts.push(`${Math.floor(rest / size)} ${unit}`);
    rest %= size;
  }
  parts.push(`${rest} s`);
  return parts.join(' ');
}

/** The report of one answer: where and when, the window, the tasks, the figures (and their legend). */
export function statusText(url: string, document: StatusDocument, legend: boolean): string {
  const { process: service, window, inFlight } = document;
  const uptime = service?.uptimeSeconds === undefined ? '' : `, up ${uptimeText(service.uptimeSeconds)}`;
  const processText = service === undefined ? '' : `, process ${service.pid}${service.launcherPid === null ? '' : ` (started by fleetsim serve ${service.launcherPid})`}${uptime}`;
  const lines = [`${url}: service clock ${seconds(document.timeSeconds)} s${processText}`];
  if (window === undefined) {
    lines.push(`window: the whole history, to ${seconds(document.timeSeconds)} s`);
  } else {
    const span = `${seconds(window.startSeconds)} s to ${seconds(window.endSeconds)} s`;
    lines.push(window.wholeHistory
      ? `window: the last ${seconds(window.requestedSeconds)} s asked, the whole history: ${span} (since the first task)`
      : `window: the last ${seconds(window.requestedSeconds)} s asked: ${span} (${seconds(window.endSeconds - window.startSeconds)} s, ${window.intervals} ${window.intervals === 1 ? 'interval' : 'intervals'} of ${seconds(window.intervalSeconds)} s)`);
  }
  lines.push(`tasks: ${LEDGER_STATES.map(([state, words]) => `${document.counts[state]} ${words}`).join(', ')}`);
  if (inFlight !== undefined) {
    const byState = Object.entries(inFlight).filter(([, count]) => count > 0).map(([state, count]) => `${count} ${state}`);
    lines.push(`in flight now: ${byState.length === 0 ? 'none' : byState.join(', ')}`);
  }
  if (window !== undefined) {
    const inWindow = LEDGER_STATES.filter(([state]) => state !== 'inFlight').map(([state, words]) => `${metricValue(document.metrics, `tasks.${state}`)} ${words}`);
    lines.push(`tasks in the window: ${inWindow.join(', ')}; ${metricValue(document.metrics, 'tasks.inFlight')} in flight at its end`);
  }
  const table = textTable({
    // The span the figures cover, which a window's rounding to whole intervals makes longer than asked.
    header: ['figure', window === undefined || window.wholeHistory ? 'whole history' : `last ${seconds(window.endSeconds - window.startSeconds)} s`],
    rows: STATUS_FIGURES.map((figure) => [figure.title, figureText(figure, metricValue(document.metrics, figure.path))]),
    align: ['left', 'right'],
  });
  const legendLines = legend ? `\n${legendText([...STATUS_FIGURES.map((figure) => [figure.title, figure.meaning] as const), ['-', 'no data (e.g. no task has a deadline, or none completed in the window)']])}` : '';
  return `${lines.join('\n')}\n\n${table}${legendLines}`;
}

/** One answer of the service: its document, or why it could not be had. */
type Reading =
  | { readonly reached: true; readonly body: unknown; readonly document: StatusDocument }
  | { readonly reached: false; readonly reason: string };

/** `fleetsim status`: resolves with false when the service could not be reached (one report only). */
export async function statusCommand(args: StatusArgs, write: (text: string) => void = (text) => { process.stdout.write(text); }): Promise<boolean> {
  const url = parseServiceUrl(args.url);
  const token = args.token === undefined ? undefined : parseToken(args.token);
  const window = parseWindowSeconds(args.window);
  const watch = parseWatchSeconds(args.watch);
  const client = new ServiceClient({ url, ...(token === undefined ? {} : { token }) });
  const path = window === undefined ? '/v1/metrics' : `/v1/metrics?window=${window}`;
  const read = async (signal?: AbortSignal): Promise<Reading> => {
    let answer: ServiceAnswer;
    try {
      answer = await client.request('GET', path, undefined, REQUEST_TIMEOUT_SECONDS * 1000, signal);
    } catch (error) {
      if (error instanceof ServiceUnavailable) return { reached: false, reason: error.message };
      throw error;
    }
    return { reached: true, body: answer.body, document: statusDocument(answer, url, path, token !== undefined) };
  };
  if (watch === undefined) {
    const reading = await read();
    if (!reading.reached) {
      process.stderr.write(`fleetsim status: cannot reach ${url} (${reading.reason})\n`);
      return false;
    }
    write(args.json ? `${JSON.stringify(reading.body, null, 2)}\n` : statusText(url, reading.document, true));
    return true;
  }
  await watchService(watch, read, (reading) => {
    const time = new Date().toISOString();
    if (args.json) {
      if (reading.reached) write(`${JSON.stringify(reading.body)}\n`);
      else process.stderr.write(`fleetsim status: ${time}: cannot reach ${url} (${reading.reason}); trying again in ${watch} s\n`);
      return;
    }
    // A terminal shows the latest report alone; a file or a pipe keeps them all, each after its time.
    const top = `${process.stdout.isTTY === true ? CLEAR_SCREEN : ''}--- ${time} ---\n`;
    write(top + (reading.reached ? statusText(url, reading.document, false) : `cannot reach ${url} (${reading.reason}); trying again in ${watch} s\n`));
  });
  return true;
}

/**
 * Reads and shows a report every `watchSeconds` (start to start; a slow answer delays the next
 * one, never overlaps it) until SIGINT or SIGTERM, which ends it at once, a request under way
 * included. An unreachable service is shown and tried again at the next tick; any other
 * failure (a refused request: an input error) ends the watch.
 */
async function watchService(watchSeconds: number, read: (signal: AbortSignal) => Promise<Reading>, show: (reading: Reading) => void): Promise<void> {
  const stop = new AbortController();
  const release = onStopSignal(() => stop.abort());
  try {
    while (!stop.signal.aborted) {
      const started = performance.now();
      const reading = await read(stop.signal);
      if (stop.signal.aborted) break;
      show(reading);
      await pause(Math.max(0, watchSeconds * 1000 - (performance.now() - started)), stop.signal);
    }
  } finally {
    release();
  }
}

/**
 * The document of an answer, checked for what a report reads. A refusal is an input error: 401
 * or 403 names `--token`; any other (a 400 for a window the service does not keep, a 404 from
 * something that is not a fleetsim service) names the URL and gives the service's message.
 */
function statusDocument(answer: ServiceAnswer, url: string, path: string, tokenGiven: boolean): StatusDocument {
  if (answer.status === 401 || answer.status === 403) {
    throw new InputError('command line', '--token', `${tokenGiven ? 'the service refused the token' : 'the service asks for a token'} (${errorText(answer)})`);
  }
  if (answer.status !== 200) throw new InputError(url, '', `GET ${path}: ${errorText(answer)}`);
  const notMetrics = (what: string): InputError => new InputError(url, '', `GET ${path}: not a fleetsim metrics document (${what})`);
  const body = answer.body;
  if (!isObject(body)) throw notMetrics('not a JSON object');
  if (typeof body.timeSeconds !== 'number') throw notMetrics('no timeSeconds');
  const { counts, metrics, window } = body;
  if (!isObject(counts) || LEDGER_STATES.some(([state]) => typeof counts[state] !== 'number')) throw notMetrics('no counts of tasks by state');
  if (!isObject(metrics)) throw notMetrics('no metrics');
  for (const figurePath of [...STATUS_FIGURES.map((figure) => figure.path), ...LEDGER_STATES.map(([state]) => `tasks.${state}`)]) {
    try {
      metricValue(metrics, figurePath);
    } catch {
      throw notMetrics(`no number at metrics.${figurePath}`);
    }
  }
  const windowFields = ['requestedSeconds', 'intervalSeconds', 'startSeconds', 'endSeconds', 'intervals'];
  if (window !== undefined && !(isObject(window) && windowFields.every((field) => typeof window[field] === 'number') && typeof window.wholeHistory === 'boolean')) {
    throw notMetrics('a window without its start, end and intervals');
  }
  const { inFlight } = body;
  if (inFlight !== undefined && !(isObject(inFlight) && Object.values(inFlight).every((count) => Number.isSafeInteger(count) && (count as number) >= 0))) {
    throw notMetrics('inFlight is not counts of tasks by state');
  }
  const service = body.process;
  const known = isObject(service) && typeof service.pid === 'number';
  const uptime = known && typeof service.uptimeSeconds === 'number' && service.uptimeSeconds >= 0 ? { uptimeSeconds: service.uptimeSeconds } : {};
  return {
    timeSeconds: body.timeSeconds,
    counts: counts as unknown as TaskCounts,
    metrics,
    ...(window === undefined ? {} : { window: window as unknown as WindowCoverage }),
    ...(inFlight === undefined ? {} : { inFlight: inFlight as Readonly<Record<string, number>> }),
    ...(known ? { process: { pid: service.pid as number, launcherPid: typeof service.launcherPid === 'number' ? service.launcherPid : null, ...uptime } } : {}),
  };
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
