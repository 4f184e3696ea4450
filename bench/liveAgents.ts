/**
 * The live bench's emulated agents, in a worker thread of their own so that the submitting
 * thread and the agents do not queue behind each other on one event loop.
 *
 * Every agent is a loop of long polls; the next poll is sent before the commands of the last
 * one are handled, so an agent is always listening. On a `start` it reports `started`, holds the
 * task for the hold time the main thread set, and reports `finished`. It tells the main thread
 * which tasks it saw start and when (the moment the poll answer's last bytes were read, before
 * it was parsed: `performance.timeOrigin + performance.now()`, comparable across threads) and how
 * many tasks it finished, through shared memory ({@link ProgressRing}, bench/liveProgress.ts)
 * that the main thread drains on a timer: no message per task or per event-loop turn.
 *
 * The worker shares two cores with the service it measures, so what it spends per task is kept
 * small (a pause of its event loop delays the starts it reads, and counts in the figure): the
 * tasks it saw start go to the main thread as numbers in shared memory, and the held tasks of
 * the multiplexed mode wait in one queue under one timer.
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
import { setTimeout as sleep } from 'node:timers/promises';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { AgentLink } from '../src/live/clients/agentLink.js';
import { ServiceUnavailable } from '../src/live/clients/serviceClient.js';
import type { WireCommand } from '../src/live/service/remoteAgents.js';
import { Client, type Answer } from './liveClient.js';
import { PROGRESS_CAPACITY, ProgressRing } from './liveProgress.js';

/** What the main thread hands the worker. */
export interface AgentsWorkerData {
  /** Base URL of the service. */
  readonly url: string;
  /** Ids of the agents this worker plays. */
  readonly agentIds: readonly string[];
  /** Long-poll wait asked of the service, seconds. */
  readonly pollWaitSeconds: number;
  /** The {@link ProgressRing}'s memory (bench/liveProgress.ts): the starts seen and the tasks finished go there. */
  readonly progress: SharedArrayBuffer;
  /** The nice value this worker's thread runs at (bench/live.ts's `CLIENT_NICE`). */
  readonly nice: number;
}

/** How the agents talk to the service: one request per step, per agent in batches, or for all agents at once. */
export type AgentsMode = 'single' | 'batched' | 'multiplexed';

/** Messages from the main thread. */
export type ToAgents = { readonly kind: 'hold'; readonly holdMs: number; readonly mode: AgentsMode } | { readonly kind: 'count' } | { readonly kind: 'stop' };

/** Messages to the main thread. */
export type FromAgents =
  | { readonly kind: 'ready' }
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
const { url, agentIds, pollWaitSeconds, progress, nice } = workerData as AgentsWorkerData;
// This thread's own (Linux), whatever it inherited; never raised (that would need the privilege).
if (nice > getPriority(0)) setPriority(0, nice);
const poller = new Client(url, agentIds.length + 1);
const reporter = new Client(url, 64);
let holdMs = 0;
let mode: AgentsMode = 'single';
let running = true;
const ring = new ProgressRing(progress);

const send = (message: FromAgents): void => port.postMessage(message);
const error = (message: string): void => send({ kind: 'error', message });

/** Task `bench-{taskNumber}`'s start was read at `seenAt` (absolute ms). */
function startedOne(taskNumber: number, seenAt: number): void {
  if (!ring.started(taskNumber, seenAt)) error(`bench-${taskNumber}: its start was not recorded (the main thread left ${PROGRESS_CAPACITY} starts unread)`);
}

/** N of a task id `bench-N` (the main thread's numbering), read without making a string. */
function taskNumber(taskId: string): number {
  let n = 0;
  for (let i = taskId.indexOf('-') + 1; i < taskId.length; i++) n = n * 10 + taskId.charCodeAt(i) - 48;
  return n;
}

/** The finish every emulated task reports (shared: it is only ever serialised). */
const FINISHED = Object.freeze({ ok: true, quality: 1 } as const);

async function run(agentId: string, command: StartCommand): Promise<void> {
  const attemptPath = `/v1/agents/${encodeURIComponent(agentId)}/attempts/${encodeURIComponent(command.task.id)}/${command.attempt}`;
  const started = await reporter.call('POST', `${attemptPath}/started`, {});
  if (started.status !== 200) error(`started ${command.task.id}: ${started.status} ${JSON.stringify(started.body)}`);
  if (holdMs > 0) await sleep(holdMs);
  const finished = await reporter.call('POST', `${attemptPath}/finished`, { ok: true, quality: 1 });
  if (finished.status !== 200) error(`finished ${command.task.id}: ${finished.status} ${JSON.stringify(finished.body)}`);
  ring.finished();
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
    ring.finished();
  });
}

async function agentLoop(agentId: string): Promise<void> {
  const path = `/v1/agents/${encodeURIComponent(agentId)}/poll?wait=${pollWaitSeconds}`;
  let poll = poller.call('POST', path);
  for (;;) {
    let answer: Answer;
    try {
      answer = await poll;
    } catch (caught) {
      error(`poll ${agentId}: ${String(caught)}`);
      await sleep(100);
      poll = poller.call('POST', path);
      continue;
    }
    const seenAt = answer.receivedAt;
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
  if (mode === 'multiplexed') {
    for (const command of commands) {
      if (command.kind !== 'start') continue;
      const start = command as StartCommand;
      startedOne(taskNumber(start.task.id), seenAt);
      held.push(agentId, start);
    }
    return;
  }
  const starts = commands.filter((command): command is StartCommand => command.kind === 'start');
  if (starts.length === 0) return;
  for (const command of starts) startedOne(taskNumber(command.task.id), seenAt);
  if (mode === 'batched') runBatch(agentId, starts).catch((caught: unknown) => error(`reports ${agentId}: ${String(caught)}`));
  else for (const command of starts) run(agentId, command).catch((caught: unknown) => error(`attempt ${command.task.id}: ${String(caught)}`));
}

/** A held task's report answered: counted as finished (one shared callback, not one per task). */
function reported(result: { readonly stale: boolean } | undefined): void {
  if (result?.stale !== false) error(`report: ${JSON.stringify(result)}`);
  ring.finished();
}

/**
 * The multiplexed mode's held tasks, in the order they started: the hold time is the same for
 * all, so that is the order they end in, and one timer (for the oldest) serves them all.
 */
class HeldTasks {
  private agents: string[] = [];
  private commands: StartCommand[] = [];
  private dueAt: number[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onTimer = (): void => this.release();

  push(agentId: string, command: StartCommand): void {
    this.agents.push(agentId);
    this.commands.push(command);
    this.dueAt.push(performance.now() + holdMs);
    if (this.timer === undefined) this.release();
  }

  /** Reports every task whose hold is over, then waits for the next one's. */
  private release(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.dueAt.length && this.dueAt[this.head]! <= now) {
      const command = this.commands[this.head]!;
      void link!.report({ agent: this.agents[this.head]!, task: command.task.id, attempt: command.attempt, finished: FINISHED }).then(reported);
      this.head++;
    }
    if (this.head >= COMPACT_AFTER) {
      // Drop what was released, now and then rather than per task.
      this.agents.splice(0, this.head);
      this.commands.splice(0, this.head);
      this.dueAt.splice(0, this.head);
      this.head = 0;
    }
    if (this.head < this.dueAt.length) this.timer = setTimeout(this.onTimer, Math.max(0, this.dueAt[this.head]! - now));
  }
}

/** Released tasks {@link HeldTasks} keeps before dropping them from its arrays. */
const COMPACT_AFTER = 4096;
const held = new HeldTasks();

/** The multiplexed mode's link to the service (the one `fleetsim agents` uses), on the bench's light HTTP client. */
let link: AgentLink | undefined;
let linkStopping = new AbortController();

/**
 * When the answer the link is handling was read. The link hands a poll answer's commands on in
 * the microtasks that follow its read, before any other answer is read, so the last one read is
 * the one being handled.
 */
let answerReceivedAt = 0;

function answered(answer: Answer): Answer {
  answerReceivedAt = answer.receivedAt;
  return answer;
}

function unavailable(caught: unknown): never {
  throw new ServiceUnavailable(String(caught));
}

/** Starts the multiplexed mode's link; it runs until {@link linkStopping} aborts. */
function multiplexed(): Promise<void> {
  linkStopping = new AbortController();
  link = new AgentLink({
    client: { request: (method, path, body) => poller.call(method, path, body).then(answered, unavailable) },
    agentIds, pollSeconds: pollWaitSeconds, backoff: { baseMs: 100, capMs: 100, minMs: 100 }, signal: linkStopping.signal,
    onCommands: (agent: string, commands: readonly WireCommand[]) => handle(agent, commands, answerReceivedAt),
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
