/**
 * The live bench's emulated agents, in a worker thread of their own so that the submitting
 * thread and the agents do not queue behind each other on one event loop.
 *
 * Every agent is a loop of long polls; the next poll is sent before the commands of the last
 * one are handled, so an agent is always listening. On a `start` it reports `started`, holds the
 * task for the hold time the main thread set, and reports `finished`. It tells the main thread,
 * in one message per poll answer, which tasks it saw start and when (`performance.timeOrigin +
 * performance.now()`, comparable across threads), and, batched per event-loop turn, how many
 * tasks it finished.
 *
 * Batched (`mode: 'batched'` in the hold message): an agent skips `started` (the service counts
 * the start as unobserved) and reports the finishes of one poll answer's starts in one
 * `POST /v1/agents/{id}/reports`.
 *
 * Multiplexed (`mode: 'multiplexed'`): the worker speaks for all its agents at once, as a process
 * hosting many agents would: two long-polls `POST /v1/agents/poll` listing every agent are kept
 * open (one is always listening while the other's answer is read), and the finishes of each
 * event-loop turn go, for every agent, in one `POST /v1/agents/poll?wait=0` (its answer may
 * carry commands too). No `started` either.
 */
import { Agent as HttpAgent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { Client } from './liveClient.js';

/** What the main thread hands the worker. */
export interface AgentsWorkerData {
  readonly url: string;
  readonly agentIds: readonly string[];
  readonly pollWaitSeconds: number;
}

/** How the agents talk to the service: one request per step, per agent in batches, or for all agents at once. */
export type AgentsMode = 'single' | 'batched' | 'multiplexed';

/** Messages from the main thread. */
export type ToAgents = { readonly kind: 'hold'; readonly holdMs: number; readonly mode: AgentsMode } | { readonly kind: 'count' } | { readonly kind: 'stop' };

/** Messages to the main thread. */
export type FromAgents =
  | { readonly kind: 'ready' }
  /** Tasks whose start command was read, with the absolute time (ms) it was read. */
  | { readonly kind: 'started'; readonly taskIds: readonly string[]; readonly seenAt: number }
  | { readonly kind: 'finished'; readonly count: number }
  | { readonly kind: 'error'; readonly message: string }
  /** HTTP requests the agents sent so far (the answer to a `count`). */
  | { readonly kind: 'count'; readonly requests: number }
  | { readonly kind: 'stopped' };

interface StartCommand {
  readonly kind: 'start';
  readonly task: { readonly id: string };
  readonly attempt: number;
}

const port = parentPort!;
const { url, agentIds, pollWaitSeconds } = workerData as AgentsWorkerData;
const poller = new Client(url, new HttpAgent({ keepAlive: true, maxSockets: agentIds.length + 1 }));
const reporter = new Client(url, new HttpAgent({ keepAlive: true, maxSockets: 64 }));
let holdMs = 0;
let mode: AgentsMode = 'single';
let running = true;
let finishedSinceFlush = 0;
let flushScheduled = false;

const send = (message: FromAgents): void => port.postMessage(message);
const error = (message: string): void => send({ kind: 'error', message });

function finishedOne(): void {
  finishedSinceFlush++;
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    send({ kind: 'finished', count: finishedSinceFlush });
    finishedSinceFlush = 0;
  });
}

async function run(agentId: string, command: StartCommand): Promise<void> {
  const attemptPath = `/v1/agents/${encodeURIComponent(agentId)}/attempts/${encodeURIComponent(command.task.id)}/${command.attempt}`;
  const started = await reporter.call('POST', `${attemptPath}/started`, {});
  if (started.status !== 200) error(`started ${command.task.id}: ${started.status} ${JSON.stringify(started.body)}`);
  if (holdMs > 0) await sleep(holdMs);
  const finished = await reporter.call('POST', `${attemptPath}/finished`, { ok: true, quality: 1 });
  if (finished.status !== 200) error(`finished ${command.task.id}: ${finished.status} ${JSON.stringify(finished.body)}`);
  finishedOne();
}

/** The batched path: the finishes of one poll answer's starts in one request, no `started`. */
async function runBatch(agentId: string, starts: readonly StartCommand[]): Promise<void> {
  if (holdMs > 0) await sleep(holdMs);
  const reports = starts.map((command) => ({ task: command.task.id, attempt: command.attempt, finished: { ok: true, quality: 1 } }));
  const answer = await reporter.call('POST', `/v1/agents/${encodeURIComponent(agentId)}/reports`, { reports });
  if (answer.status !== 200) {
    error(`reports ${agentId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return;
  }
  const results = (answer.body as { results: { finished?: { stale: boolean } }[] }).results;
  results.forEach((result, i) => {
    if (result.finished?.stale !== false) error(`report ${starts[i]!.task.id}: ${JSON.stringify(result)}`);
    finishedOne();
  });
}

async function agentLoop(agentId: string): Promise<void> {
  const path = `/v1/agents/${encodeURIComponent(agentId)}/poll?wait=${pollWaitSeconds}`;
  let poll = poller.call('POST', path);
  for (;;) {
    let answer: { status: number; body: unknown };
    try {
      answer = await poll;
    } catch (caught) {
      error(`poll ${agentId}: ${String(caught)}`);
      await sleep(100);
      poll = poller.call('POST', path);
      continue;
    }
    const seenAt = performance.timeOrigin + performance.now();
    // The next poll goes out before this one's commands are handled: no gap in listening.
    const again = running && mode !== 'multiplexed';
    if (again) poll = poller.call('POST', path);
    if (answer.status !== 200) error(`poll ${agentId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    else handle(agentId, (answer.body as { commands: { kind: string }[] }).commands, seenAt);
    if (!again) return;
  }
}

/** The start commands of one agent in one poll answer: reported to the main thread, then run. */
function handle(agentId: string, commands: readonly { kind: string }[], seenAt: number): void {
  const starts = commands.filter((command): command is StartCommand => command.kind === 'start');
  if (starts.length === 0) return;
  send({ kind: 'started', taskIds: starts.map((command) => command.task.id), seenAt });
  if (mode === 'multiplexed') {
    const report = (): void => {
      for (const command of starts) queueReport({ agent: agentId, task: command.task.id, attempt: command.attempt, finished: { ok: true, quality: 1 } });
    };
    if (holdMs > 0) setTimeout(report, holdMs);
    else report();
  } else if (mode === 'batched') runBatch(agentId, starts).catch((caught: unknown) => error(`reports ${agentId}: ${String(caught)}`));
  else for (const command of starts) run(agentId, command).catch((caught: unknown) => error(`attempt ${command.task.id}: ${String(caught)}`));
}

interface AgentReport {
  readonly agent: string;
  readonly task: string;
  readonly attempt: number;
  readonly finished: { readonly ok: true; readonly quality: number };
}

const reports: AgentReport[] = [];
const multiPollBody = JSON.stringify({ agents: agentIds });

/** Queues a finish; the finishes of one event-loop turn go in one multi-agent poll (wait=0). */
function queueReport(report: AgentReport): void {
  reports.push(report);
  if (reports.length === 1) setImmediate(flushReports);
}

/** Most reports in one request (the service's body limit is 64 KB; a report is about 90 bytes). */
const MAX_REPORTS = 400;

function flushReports(): void {
  const sent = reports.splice(0, MAX_REPORTS);
  if (reports.length > 0) setImmediate(flushReports);
  poller.call('POST', '/v1/agents/poll?wait=0', { agents: agentIds, reports: sent }).then((answer) => {
    const seenAt = performance.timeOrigin + performance.now();
    if (answer.status !== 200) {
      error(`reports: ${answer.status} ${JSON.stringify(answer.body)}`);
      return;
    }
    const body = answer.body as MultiPollAnswer;
    body.results!.forEach((result, i) => {
      if (result.finished?.stale !== false) error(`report ${sent[i]!.task}: ${JSON.stringify(result)}`);
      finishedOne();
    });
    for (const { agent, commands } of body.commands) handle(agent, commands, seenAt);
  }, (caught: unknown) => error(`reports: ${String(caught)}`));
}

interface MultiPollAnswer {
  readonly commands: readonly { readonly agent: string; readonly commands: readonly { kind: string }[] }[];
  readonly results?: readonly { readonly finished?: { readonly stale: boolean } }[];
}

/** One of the multiplexed mode's long-polls for all agents; the next goes out before an answer is handled. */
async function multiLoop(): Promise<void> {
  const path = `/v1/agents/poll?wait=${pollWaitSeconds}`;
  while (running && mode === 'multiplexed') {
    let answer: { status: number; body: unknown };
    try {
      answer = await poller.callRaw('POST', path, multiPollBody);
    } catch (caught) {
      error(`poll: ${String(caught)}`);
      await sleep(100);
      continue;
    }
    const seenAt = performance.timeOrigin + performance.now();
    if (answer.status !== 200) {
      error(`poll: ${answer.status} ${JSON.stringify(answer.body)}`);
      continue;
    }
    for (const { agent, commands } of (answer.body as MultiPollAnswer).commands) handle(agent, commands, seenAt);
  }
}

/** Long-polls open at once in the multiplexed mode. */
const MULTI_POLLS = 2;
let loops: Promise<void>[] = agentIds.map((id) => agentLoop(id));
port.on('message', (message: ToAgents) => {
  if (message.kind === 'hold') {
    holdMs = message.holdMs;
    const switching = (message.mode === 'multiplexed') !== (mode === 'multiplexed');
    mode = message.mode;
    if (switching) {
      // The other kind of loops end after their current poll.
      loops = mode === 'multiplexed' ? Array.from({ length: MULTI_POLLS }, () => multiLoop()) : agentIds.map((id) => agentLoop(id));
    }
  } else if (message.kind === 'count') {
    send({ kind: 'count', requests: poller.requests + reporter.requests });
  } else {
    running = false;
    void Promise.all(loops).then(() => send({ kind: 'stopped' }));
  }
});
send({ kind: 'ready' });
