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
 * Multiplexed (`mode: 'multiplexed'`): the worker speaks for all its agents at once through the
 * link `fleetsim agents` uses ({@link AgentLink}, src/live/clients/agentLink.ts): two long-polls
 * `POST /v1/agents/poll` listing every agent are kept open (one is always listening while the
 * other's answer is read), and the finishes, for every agent, ride on the re-poll after a poll
 * answer, or go in one `POST /v1/agents/poll?wait=0` when none comes within 2 ms (its answer may
 * carry commands too). No `started` either.
 */
import { Agent as HttpAgent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { AgentLink } from '../src/live/clients/agentLink.js';
import { ServiceUnavailable } from '../src/live/clients/serviceClient.js';
import type { WireCommand } from '../src/live/service/remoteAgents.js';
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
      for (const command of starts) {
        void link!.report({ agent: agentId, task: command.task.id, attempt: command.attempt, finished: { ok: true, quality: 1 } }).then((result) => {
          if (result?.stale !== false) error(`report ${command.task.id}: ${JSON.stringify(result)}`);
          finishedOne();
        });
      }
    };
    if (holdMs > 0) setTimeout(report, holdMs);
    else report();
  } else if (mode === 'batched') runBatch(agentId, starts).catch((caught: unknown) => error(`reports ${agentId}: ${String(caught)}`));
  else for (const command of starts) run(agentId, command).catch((caught: unknown) => error(`attempt ${command.task.id}: ${String(caught)}`));
}

/** The multiplexed mode's link to the service (the one `fleetsim agents` uses), on the bench's light HTTP client. */
let link: AgentLink | undefined;
let linkStopping = new AbortController();

/** Starts the multiplexed mode's link; it runs until {@link linkStopping} aborts. */
function multiplexed(): Promise<void> {
  linkStopping = new AbortController();
  link = new AgentLink({
    client: {
      request: (method, path, body) => poller.call(method, path, body).catch((caught: unknown) => {
        throw new ServiceUnavailable(String(caught));
      }),
    },
    agentIds, pollSeconds: pollWaitSeconds, backoff: { baseMs: 100, capMs: 100, minMs: 100 }, signal: linkStopping.signal,
    onCommands: (agent: string, commands: readonly WireCommand[]) => handle(agent, commands, performance.timeOrigin + performance.now()),
    rejoin: (agent: string) => {
      error(`poll: agent ${agent} is not in the fleet`);
      return Promise.resolve(false);
    },
    onRetry: () => error('poll: the service did not answer'),
    onRefused: (agent: string, reason: string) => error(`${agent}: ${reason}`),
    log: error,
  });
  return link.run();
}

let loops: Promise<void>[] = agentIds.map((id) => agentLoop(id));
port.on('message', (message: ToAgents) => {
  if (message.kind === 'hold') {
    holdMs = message.holdMs;
    const switching = (message.mode === 'multiplexed') !== (mode === 'multiplexed');
    mode = message.mode;
    if (switching) {
      // The other kind of loops end after their current poll.
      if (mode !== 'multiplexed') linkStopping.abort();
      loops = mode === 'multiplexed' ? [multiplexed()] : agentIds.map((id) => agentLoop(id));
    }
  } else if (message.kind === 'count') {
    send({ kind: 'count', requests: poller.requests + reporter.requests });
  } else {
    running = false;
    linkStopping.abort();
    void Promise.all(loops).then(() => send({ kind: 'stopped' }));
  }
});
send({ kind: 'ready' });
