/**
 * The pull connector on its own: commands wait for their input to be durable, a full mailbox
 * takes its agent out of the fleet, the heartbeat sweep, and incarnation names.
 */
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../../src/engine/agent.js';
import type { EngineEvent, Outcome } from '../../../src/engine/messages.js';
import type { TaskView } from '../../../src/engine/task.js';
import type { AttemptContext, CommandOf, RunContext } from '../../../src/live/connector.js';
import type { Journal } from '../../../src/live/journal.js';
import { externalAgentId, MAX_OPEN_POLLS, RemoteAgents, type AgentCommands } from '../../../src/live/service/remoteAgents.js';

/** A journal whose durability the test moves by hand. */
class GatedJournal implements Journal {
  appendedSeq = 0;
  durableSeq = 0;
  private readonly waiting: { seq: number; resolve: () => void }[] = [];

  append(): number {
    return ++this.appendedSeq;
  }

  whenDurable(seq: number): Promise<void> {
    if (seq <= this.durableSeq) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ seq, resolve }));
  }

  makeDurable(seq: number): void {
    this.durableSeq = seq;
    for (const entry of this.waiting.filter((waiting) => waiting.seq <= seq)) entry.resolve();
  }
}

/** A journal with {@link Journal.afterDurable}, whose durability the test moves by hand. */
class CallbackJournal extends GatedJournal {
  readonly callbacks: { seq: number; callback: () => void }[] = [];

  afterDurable(seq: number, callback: () => void): void {
    if (seq <= this.durableSeq) callback();
    else this.callbacks.push({ seq, callback });
  }

  override makeDurable(seq: number): void {
    super.makeDurable(seq);
    for (const entry of this.callbacks.splice(0).filter((waiting) => waiting.seq <= seq)) entry.callback();
  }
}

function agentView(id: string): AgentView {
  return { spec: { id, capacity: 1, tokensPerSecond: 1, skills: {}, weight: 1, tags: [] } } as unknown as AgentView;
}

function taskView(id: string): TaskView {
  return { spec: { id, type: 'code', priority: 2, tokens: 1, contextTokens: 0 } } as unknown as TaskView;
}

function joined(id: string): EngineEvent {
  return { kind: 'agentJoined', time: 0, agent: agentView(id) };
}

function start(agents: RemoteAgents, taskId: string, agentId: string, attempt = 1): { outcome: Promise<Outcome>; controller: AbortController } {
  const controller = new AbortController();
  const context: AttemptContext = { signal: controller.signal, started: () => undefined };
  const command: CommandOf<'start'> = { kind: 'start', task: taskView(taskId), agent: agentView(agentId), attempt };
  return { outcome: agents.start(command, context), controller };
}

function setup(options: { heartbeatSeconds?: number; mailboxCommands?: number; clock?: { ms: number } } = {}): { agents: RemoteAgents; journal: GatedJournal; left: string[] } {
  const clock = options.clock ?? { ms: 0 };
  const agents = new RemoteAgents({ heartbeatSeconds: options.heartbeatSeconds ?? 10, mailboxCommands: options.mailboxCommands ?? 100, nowMs: () => clock.ms });
  const journal = new GatedJournal();
  const left: string[] = [];
  agents.bind({
    journal,
    agentLeft: (id) => {
      left.push(id);
      agents.observe({ kind: 'agentLeft', time: 0, agent: agentView(id) });
    },
    engineHasAgent: () => false,
  });
  return { agents, journal, left };
}

describe('RemoteAgents', () => {
  it('hands out a command only once the input that made it is durable', async () => {
    const { agents, journal } = setup();
    agents.observe(joined('a1'));
    journal.append();
    void start(agents, 't1', 'a1').outcome;
    expect(await agents.poll('a1', 0)).toEqual([]);
    const waiting = agents.poll('a1', 5);
    journal.makeDurable(1);
    expect(await waiting).toMatchObject([{ kind: 'start', task: { id: 't1' }, attempt: 1 }]);
    expect(await agents.poll('a1', 0)).toEqual([]);
  });

  it('settles the attempt from the reports; a report after an abort is stale', async () => {
    const { agents } = setup();
    agents.observe(joined('a1'));
    const first = start(agents, 't1', 'a1');
    expect(agents.finished('a1', 't1', 1, { ok: true, quality: 0.5 })).toEqual({ stale: false });
    await expect(first.outcome).resolves.toEqual({ ok: true, quality: 0.5 });
    const second = start(agents, 't2', 'a1');
    second.controller.abort();
    expect(agents.finished('a1', 't2', 1, { ok: true, quality: 1 })).toEqual({ stale: true });
  });

  it('settles an attempt run through its context (no promise) before the report returns, and counts only promised settlements', () => {
    const { agents } = setup();
    agents.observe(joined('a1'));
    const seen: unknown[] = [];
    const context: RunContext = {
      attempt: 1,
      task: taskView('t1'),
      agent: agentView('a1'),
      signal: AbortSignal.abort(),
      aborted: false,
      started: (report) => seen.push(['started', report]),
      finished: (outcome) => seen.push(['finished', outcome]),
    };
    agents.run({ kind: 'start', task: taskView('t1'), agent: agentView('a1'), attempt: 1 }, context);
    expect(agents.stats().pendingAttempts).toBe(1);
    expect(agents.started('a1', 't1', 1, { setupTokens: 2 })).toEqual({ stale: false });
    expect(agents.finished('a1', 't1', 1, { ok: false, reason: 'agent-error' })).toEqual({ stale: false });
    expect(seen).toEqual([['started', { setupTokens: 2, contextHit: null }], ['finished', { ok: false, reason: 'agent-error' }]]);
    expect(agents.finished('a1', 't1', 1, { ok: true, quality: 1 })).toEqual({ stale: true });
    expect(agents.promisedSettlements).toBe(0);
    void start(agents, 't2', 'a1').outcome;
    agents.finished('a1', 't2', 1, { ok: true, quality: 1 });
    expect(agents.promisedSettlements).toBe(1);
  });

  it('a report after the driver gave up on the attempt is stale, read from the context without making its signal', () => {
    const { agents } = setup();
    agents.observe(joined('a1'));
    let aborted = false;
    let signalReads = 0;
    const context: AttemptContext = {
      get signal(): AbortSignal {
        signalReads++;
        return AbortSignal.abort();
      },
      get aborted(): boolean {
        return aborted;
      },
      started: () => undefined,
    };
    void agents.start({ kind: 'start', task: taskView('t1'), agent: agentView('a1'), attempt: 1 }, context);
    expect(agents.stats().pendingAttempts).toBe(1);
    aborted = true;
    expect(agents.stats().pendingAttempts).toBe(0);
    expect(agents.finished('a1', 't1', 1, { ok: true, quality: 1 })).toEqual({ stale: true });
    expect(signalReads).toBe(0);
  });

  it('wakes the agents of a group of commands from one journal callback, as soon as their inputs are durable', async () => {
    const clock = { ms: 0 };
    const agents = new RemoteAgents({ heartbeatSeconds: 10, mailboxCommands: 100, nowMs: () => clock.ms });
    const journal = new CallbackJournal();
    agents.bind({ journal, agentLeft: () => undefined, engineHasAgent: () => false });
    for (const id of ['a1', 'a2']) agents.observe(joined(id));
    for (let i = 1; i <= 6; i++) {
      journal.append();
      void start(agents, `t${i}`, i % 2 === 0 ? 'a2' : 'a1').outcome;
    }
    expect(journal.callbacks).toHaveLength(1);
    const waiting = agents.pollMany(['a1', 'a2'], 5, undefined, (i) => `agents[${i}]`);
    journal.makeDurable(4);
    const answer = await waiting;
    expect(answer.flatMap((entry) => entry.commands.map((command) => (command.kind === 'start' ? command.task.id : '')))).toEqual(['t1', 't3', 't2', 't4']);
    // The rest waits for its own input: one callback again.
    expect(journal.callbacks).toHaveLength(1);
    journal.makeDurable(6);
    expect((await agents.pollMany(['a1', 'a2'], 0, undefined, (i) => `agents[${i}]`)).flatMap((entry) => entry.commands)).toHaveLength(2);
  });

  it('takes an agent whose mailbox is full out of the fleet', async () => {
    const { agents, left } = setup({ mailboxCommands: 2 });
    agents.observe(joined('a1'));
    for (const id of ['t1', 't2', 't3']) void start(agents, id, 'a1').outcome;
    await Promise.resolve();
    expect(left).toEqual(['a1']);
    expect(agents.agent('a1')!.inFleet).toBe(false);
  });

  it('sweeps out agents silent for longer than the heartbeat, not those polling', async () => {
    const clock = { ms: 0 };
    const { agents, left } = setup({ heartbeatSeconds: 1, clock });
    agents.observe(joined('quiet'));
    agents.observe(joined('busy'));
    const poll = agents.poll('busy', 0.05);
    clock.ms = 1500;
    expect(agents.sweep()).toEqual(['quiet']);
    expect(left).toEqual(['quiet']);
    await poll;
    clock.ms = 1600;
    expect(agents.sweep()).toEqual([]);
    clock.ms = 2601;
    expect(agents.sweep()).toEqual(['busy']);
  });

  it('names later incarnations <id>#<n>', () => {
    const { agents } = setup();
    expect(agents.nextEngineId('a1')).toBe('a1');
    agents.observe(joined('a1'));
    expect(agents.nextEngineId('a1')).toBe('a1#2');
    agents.observe(joined('a1#2'));
    expect(agents.nextEngineId('a1')).toBe('a1#3');
    expect(externalAgentId('a1#3')).toBe('a1');
  });
});

describe('RemoteAgents reports', () => {
  it('drops a queued start once its attempt is reported finished (a re-delivered start the agent already ran)', async () => {
    const { agents } = setup();
    agents.observe(joined('a1'));
    void start(agents, 't1', 'a1').outcome;
    expect(agents.finished('a1', 't1', 1, { ok: true, quality: 1 })).toEqual({ stale: false });
    expect(await agents.poll('a1', 0)).toEqual([]);
  });
});

describe('RemoteAgents attempts', () => {
  /** A context as the driver hands `run`, recording what reaches it. */
  function runContext(taskId: string, agentId: string, attempt: number, seen: unknown[]): RunContext {
    return {
      attempt,
      task: taskView(taskId),
      agent: agentView(agentId),
      signal: new AbortController().signal,
      aborted: false,
      started: (report) => seen.push(['started', taskId, attempt, report]),
      finished: (outcome) => seen.push(['finished', taskId, attempt, outcome]),
    };
  }

  it('keeps the context run was handed, linked through its connector slot: two attempts of a task at once, each reported to its own', () => {
    const { agents } = setup();
    agents.observe(joined('a1'));
    const seen: unknown[] = [];
    const first = runContext('t1', 'a1', 1, seen);
    const second = runContext('t1', 'a1', 2, seen);
    agents.run({ kind: 'start', task: first.task, agent: first.agent, attempt: 1 }, first);
    agents.run({ kind: 'start', task: second.task, agent: second.agent, attempt: 2 }, second);
    expect(second.connectorNext).toBe(first);
    expect(agents.stats().pendingAttempts).toBe(2);
    expect(agents.started('a1', 't1', 2, { setupTokens: 1 })).toEqual({ stale: false });
    expect(agents.started('a1', 't1', 2, { setupTokens: 1 })).toEqual({ stale: true });
    expect(agents.started('a1', 't1', 1, { setupTokens: 3 })).toEqual({ stale: false });
    expect(agents.finished('a1', 't1', 1, { ok: true, quality: 1 })).toEqual({ stale: false });
    expect(agents.finished('a1', 't1', 1, { ok: true, quality: 1 })).toEqual({ stale: true });
    expect(seen).toEqual([
      ['started', 't1', 2, { setupTokens: 1, contextHit: null }],
      ['started', 't1', 1, { setupTokens: 3, contextHit: null }],
      ['finished', 't1', 1, { ok: true, quality: 1 }],
    ]);
    expect(agents.stats().pendingAttempts).toBe(1);
  });

  it("takes an attempt's reports from its agent's later incarnations' id, refuses another agent's (403)", () => {
    const { agents } = setup();
    agents.observe(joined('a1'));
    agents.observe(joined('a2#2'));
    const seen: unknown[] = [];
    agents.run({ kind: 'start', task: taskView('t1'), agent: agentView('a2#2'), attempt: 1 }, runContext('t1', 'a2#2', 1, seen));
    expect(() => agents.started('a1', 't1', 1, { setupTokens: 0 })).toThrow(/attempt 1 of task t1 belongs to another agent/);
    expect(() => agents.started('a2#', 't1', 1, { setupTokens: 0 })).toThrow(/belongs to another agent/);
    expect(agents.started('a2', 't1', 1, { setupTokens: 0 })).toEqual({ stale: false });
    expect(seen).toHaveLength(1);
  });
});

describe('RemoteAgents polls', () => {
  it('refuses more than MAX_OPEN_POLLS open polls of one agent (429)', async () => {
    const { agents } = setup();
    agents.observe(joined('a1'));
    const gone = new AbortController();
    const open = Array.from({ length: MAX_OPEN_POLLS }, () => agents.poll('a1', 30, gone.signal));
    await expect(agents.poll('a1', 0)).rejects.toMatchObject({ statusCode: 429 });
    gone.abort();
    expect(await Promise.all(open)).toEqual(Array.from({ length: MAX_OPEN_POLLS }, () => []));
    expect(await agents.poll('a1', 0)).toEqual([]);
  });
});

describe('RemoteAgents polls for many agents', () => {
  const field = (i: number): string => `body.agents[${i}]`;

  it('wakes on a durable command for any listed agent and answers with every agent that has some', async () => {
    const { agents, journal } = setup();
    for (const id of ['a1', 'a2', 'a3']) agents.observe(joined(id));
    const waiting = agents.pollMany(['a1', 'a2', 'a3'], 5, undefined, field);
    journal.append();
    void start(agents, 't1', 'a2').outcome;
    void start(agents, 't2', 'a3').outcome;
    journal.makeDurable(1);
    expect(await waiting).toMatchObject([
      { agent: 'a2', commands: [{ kind: 'start', task: { id: 't1' } }] },
      { agent: 'a3', commands: [{ kind: 'start', task: { id: 't2' } }] },
    ]);
    expect(await agents.pollMany(['a1', 'a2', 'a3'], 0, undefined, field)).toEqual([]);
  });

  it('is the heartbeat of every listed agent while it is open', async () => {
    const clock = { ms: 0 };
    const { agents } = setup({ heartbeatSeconds: 1, clock });
    for (const id of ['a1', 'a2', 'quiet']) agents.observe(joined(id));
    const gone = new AbortController();
    const poll = agents.pollMany(['a1', 'a2'], 30, gone.signal, field);
    clock.ms = 1500;
    expect(agents.sweep()).toEqual(['quiet']);
    gone.abort();
    expect(await poll).toEqual([]);
  });

  it('names an agent not in the fleet by its place in the list (404)', async () => {
    const { agents } = setup();
    agents.observe(joined('a1'));
    await expect(agents.pollMany(['a1', 'ghost'], 0, undefined, field)).rejects.toMatchObject({ statusCode: 404, message: expect.stringMatching(/^body\.agents\[1\]: agent ghost/) });
  });
});

describe('RemoteAgents poll groups', () => {
  const field = (i: number): string => `body.agents[${i}]`;
  const taskIds = (answer: readonly AgentCommands[]): string[] =>
    answer.flatMap((entry) => entry.commands.map((command) => (command.kind === 'start' ? command.task.id : command.kind)));

  it('wakes the poll that began waiting first, across the lists an agent is in', async () => {
    const { agents, journal } = setup();
    for (const id of ['a1', 'a2']) agents.observe(joined(id));
    const order: string[] = [];
    const own = agents.openPoll(['a1'], 5, field);
    const listed = agents.openPoll(['a1', 'a2'], 5, field);
    void own.answer.then(() => order.push('own'));
    void listed.answer.then(() => order.push('listed'));
    journal.append();
    void start(agents, 't1', 'a1').outcome;
    journal.makeDurable(1);
    // The single-agent poll waited first: it takes the command; the other answers when its deadline or another command comes.
    expect(taskIds(await own.answer)).toEqual(['t1']);
    journal.append();
    void start(agents, 't2', 'a2').outcome;
    journal.makeDurable(2);
    expect(taskIds(await listed.answer)).toEqual(['t2']);
    expect(order).toEqual(['own', 'listed']);
  });

  it('keeps waking the polls of a list another list replaced, until they answer', async () => {
    const { agents, journal } = setup();
    for (const id of ['a1', 'a2', 'a3']) agents.observe(joined(id));
    const first = ['a1', 'a2'];
    const older = agents.openPoll(first, 5, field);
    const newer = agents.openPoll(['a2', 'a3'], 5, field);
    journal.append();
    void start(agents, 't1', 'a1').outcome;
    journal.makeDurable(1);
    expect(taskIds(await older.answer)).toEqual(['t1']);
    // The replaced list polled again is a fresh group, and the same array reuses it.
    const again = agents.openPoll(first, 0, field);
    expect(await again.answer).toEqual([]);
    journal.append();
    void start(agents, 't2', 'a3').outcome;
    journal.makeDurable(2);
    expect(taskIds(await newer.answer)).toEqual(['t2']);
    const repeated = agents.openPoll(first, 5, field);
    journal.append();
    void start(agents, 't3', 'a2').outcome;
    journal.makeDurable(3);
    expect(taskIds(await repeated.answer)).toEqual(['t3']);
  });

  it('ends a poll on request, answering with nothing; ending it again, or after it answered, changes nothing', async () => {
    const { agents, journal } = setup();
    agents.observe(joined('a1'));
    const poll = agents.openPoll(['a1'], 30, field);
    poll.end();
    poll.end();
    expect(await poll.answer).toEqual([]);
    journal.append();
    void start(agents, 't1', 'a1').outcome;
    journal.makeDurable(1);
    const next = agents.openPoll(['a1'], 0, field);
    next.end();
    expect(taskIds(await next.answer)).toEqual(['t1']);
  });

  it('answers with nothing at its deadline, and its agents may poll again', async () => {
    const clock = { ms: 0 };
    const { agents } = setup({ clock });
    for (const id of ['a1', 'a2']) agents.observe(joined(id));
    const list = ['a1', 'a2'];
    const polls = Array.from({ length: MAX_OPEN_POLLS }, () => agents.openPoll(list, 0.02, field));
    expect(() => agents.openPoll(list, 0, field)).toThrow(/body\.agents\[0\]: agent a1 already has/);
    clock.ms = 20;
    expect(await Promise.all(polls.map((poll) => poll.answer))).toEqual(polls.map(() => []));
    expect(await agents.openPoll(list, 0, field).answer).toEqual([]);
  });
});
