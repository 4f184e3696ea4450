/**
 * The task registry keeps a live task's history as bytes and freezes a settled task into a compact
 * record; every answer about a task, live or settled, must be the one its events define:
 * `GET /v1/tasks/{id}` bodies, listings, resubmission checks.
 */
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../../src/engine/agent.js';
import type { EngineEvent } from '../../../src/engine/messages.js';
import { isFinal, type FailureReason, type TaskSpec, type TaskState, type TaskView } from '../../../src/engine/task.js';
import { TaskRegistry, taskDetailJson, type TaskEntry, type TaskHistoryEntry } from '../../../src/live/service/taskRegistry.js';

const SPEC: TaskSpec = {
  id: 't1', type: 'code', priority: 2, tokens: 1200, contextTokens: 300, contextKey: 'repo', deadline: 12.345678901,
  dependsOn: ['t0'], tags: ['a', 'b'], tenant: 'acme', maxRetries: 3, timeoutSeconds: 4.5, ttlSeconds: 60,
};

function task(spec: TaskSpec, state: TaskState, attempt: number): TaskView {
  return { spec, state, attempt } as unknown as TaskView;
}
function agent(id: string): AgentView {
  return { spec: { id } } as unknown as AgentView;
}

/** A task offered, rejected, retried after a timeout, then completed: 11 events. */
function lifecycle(spec: TaskSpec): EngineEvent[] {
  const t = (state: TaskState, attempt: number): TaskView => task(spec, state, attempt);
  return [
    { kind: 'submitted', time: 0.1, task: t('queued', 0) },
    { kind: 'offerMade', time: 0.2, task: t('queued', 0), agent: agent('a1') },
    { kind: 'offerAnswered', time: 0.3, task: t('queued', 0), agent: agent('a1'), accepted: false, reason: 'overloaded' },
    { kind: 'offerMade', time: 0.4, task: t('queued', 0), agent: agent('a2') },
    { kind: 'offerAnswered', time: 0.5, task: t('queued', 0), agent: agent('a2'), accepted: true },
    { kind: 'transition', time: 0.6, task: t('running', 1), from: 'queued', to: 'running', attempt: 1, agent: agent('a2') },
    { kind: 'transition', time: 5.1, task: t('queued', 1), from: 'running', to: 'queued', attempt: 1, agent: agent('a2'), reason: 'timeout' },
    { kind: 'duplicateClaim', time: 5.2, task: t('queued', 1), agent: agent('a3'), setupTokens: 10 },
    { kind: 'transition', time: 5.3, task: t('running', 2), from: 'queued', to: 'running', attempt: 2, agent: agent('a1') },
    { kind: 'staleResult', time: 5.4, taskId: spec.id, attempt: 1 },
    { kind: 'transition', time: 7.25, task: t('completed', 2), from: 'running', to: 'completed', attempt: 2, agent: agent('a1'), quality: 0.8125 },
  ];
}

/**
 * What the registry must answer for a task after `events`: its entry folded from them by the
 * definition, each event's own fields in its history, the last `historyEvents` of them kept.
 */
function expectedEntry(events: readonly EngineEvent[], historyEvents: number): TaskEntry {
  const submitted = events[0]!;
  if (submitted.kind !== 'submitted') throw new Error('a task starts with submitted');
  const history: TaskHistoryEntry[] = [];
  const entry = {
    spec: submitted.task.spec, submittedAt: submitted.time, ordinal: 0, state: submitted.task.state, agent: undefined as string | undefined, attempts: 0,
    failureReason: undefined as FailureReason | undefined, history, historyDropped: 0,
  };
  for (const event of events) {
    let item: TaskHistoryEntry;
    switch (event.kind) {
      case 'submitted':
        item = { time: event.time, kind: event.kind, to: event.task.state };
        break;
      case 'transition':
        entry.state = event.to;
        entry.attempts = event.task.attempt;
        if (event.agent !== undefined) entry.agent = event.agent.spec.id;
        if (event.reason !== undefined) entry.failureReason = event.reason;
        item = { time: event.time, kind: event.kind, from: event.from, to: event.to, attempt: event.attempt, agent: event.agent?.spec.id, reason: event.reason, quality: event.quality };
        break;
      case 'offerMade':
      case 'duplicateClaim':
        item = { time: event.time, kind: event.kind, agent: event.agent.spec.id };
        break;
      case 'offerAnswered':
        item = { time: event.time, kind: event.kind, agent: event.agent.spec.id, accepted: event.accepted, reason: event.reason };
        break;
      case 'staleResult':
        item = { time: event.time, kind: event.kind, attempt: event.attempt };
        break;
      default:
        continue;
    }
    history.push(item);
    if (history.length > historyEvents) {
      history.shift();
      entry.historyDropped++;
    }
  }
  return entry;
}

/** Feeds the events; returns the entry they define (see {@link expectedEntry}), to compare the registry's answers with. */
function fold(registry: TaskRegistry, events: readonly EngineEvent[]): TaskEntry {
  for (const event of events) registry.observe(event);
  return expectedEntry(events, registry.limits.historyEvents);
}

describe('TaskRegistry', () => {
  for (const historyEvents of [100, 11, 4, 1]) {
    it(`answers GET for a settled task byte for byte as its live entry would (historyEvents ${historyEvents})`, () => {
      const registry = new TaskRegistry({ settledTasks: 10, historyEvents });
      const live = fold(registry, lifecycle(SPEC));
      const settled = registry.get('t1')!;
      expect(settled).not.toBe(live);
      expect(live.state).toBe('completed');
      expect(JSON.stringify(taskDetailJson(settled))).toBe(JSON.stringify(taskDetailJson(live)));
      expect(settled.history).toHaveLength(Math.min(historyEvents, 11));
      expect(settled.historyDropped).toBe(Math.max(0, 11 - historyEvents));
      expect(settled.spec).toEqual(live.spec);
      expect(registry.page({ limit: 10 })).toEqual({ tasks: [JSON.parse(JSON.stringify(taskDetailJson(live), ['id', 'type', 'state', 'priority', 'submittedAt', 'agent', 'attempts', 'failureReason']))] });
    });
  }

  it("keeps a live task's last events in order, its submitted event as JSON with only its own fields", () => {
    const registry = new TaskRegistry({ settledTasks: 10, historyEvents: 3 });
    const events = lifecycle(SPEC);
    registry.observe(events[0]!);
    expect(JSON.stringify(taskDetailJson(registry.get('t1')!).history)).toBe('[{"time":0.1,"kind":"submitted","to":"queued"}]');
    for (const event of events.slice(1, 5)) registry.observe(event);
    const live = registry.get('t1')!;
    expect(live.state).toBe('queued');
    expect(JSON.stringify(taskDetailJson(live))).toBe(JSON.stringify({
      id: 't1', type: 'code', state: 'queued', priority: 2, submittedAt: 0.1, attempts: 0, dependsOn: ['t0'],
      history: [
        { time: 0.3, kind: 'offerAnswered', agent: 'a1', accepted: false, reason: 'overloaded' },
        { time: 0.4, kind: 'offerMade', agent: 'a2' },
        { time: 0.5, kind: 'offerAnswered', agent: 'a2', accepted: true },
      ],
      historyDropped: 2,
    }));
  });

  it('answers through an entry got while the task was live what the task is when read, after it moved on and settled too', () => {
    // A route gets the entry, awaits the log, then reads it: the task may have changed meanwhile.
    const registry = new TaskRegistry({ settledTasks: 10, historyEvents: 100 });
    const events = lifecycle(SPEC);
    for (const event of events.slice(0, 3)) registry.observe(event);
    const got = registry.get('t1')!;
    for (const event of events.slice(3, 9)) registry.observe(event);
    expect(JSON.stringify(taskDetailJson(got))).toBe(JSON.stringify(taskDetailJson(expectedEntry(events.slice(0, 9), 100))));
    // Another task takes the settled task's slot; the entry got before answers the settled task.
    for (const event of events.slice(9)) registry.observe(event);
    fold(registry, lifecycle({ ...SPEC, id: 't2' }).slice(0, 4));
    expect(JSON.stringify(taskDetailJson(got))).toBe(JSON.stringify(taskDetailJson(expectedEntry(events, 100))));
  });

  for (const settledTasks of [0, 1]) {
    it(`answers through an entry got while the task was live how it ended, once the registry forgot it too (settledTasks ${settledTasks})`, () => {
      // A route that awaits the log while more than settledTasks tasks settle still answers the task it was asked about.
      const registry = new TaskRegistry({ settledTasks, historyEvents: 100 });
      const events = lifecycle(SPEC);
      for (const event of events.slice(0, 3)) registry.observe(event);
      const got = registry.get('t1')!;
      expect(registry.get('t1')).toBe(got);
      for (const event of events.slice(3)) registry.observe(event);
      fold(registry, lifecycle({ ...SPEC, id: 't2' }));
      fold(registry, lifecycle({ ...SPEC, id: 't3' }).slice(0, 4));
      expect(registry.get('t1')).toBeUndefined();
      expect(JSON.stringify(taskDetailJson(got))).toBe(JSON.stringify(taskDetailJson(expectedEntry(events, 100))));
      expect(got.state).toBe('completed');
    });
  }

  it("answers a task's state by id as its entry does, live and settled, and none for an unknown id", () => {
    const registry = new TaskRegistry({ settledTasks: 10, historyEvents: 4 });
    const events = lifecycle(SPEC);
    expect(registry.state('t1')).toBeUndefined();
    for (const event of events) {
      registry.observe(event);
      expect(registry.state('t1')).toBe(registry.get('t1')!.state);
    }
    expect(registry.state('t1')).toBe('completed');
  });

  it('answers byte for byte for tasks of any ids and text, frozen one after another', () => {
    const registry = new TaskRegistry({ settledTasks: 1000, historyEvents: 50 });
    // Quotes, backslashes, controls, non-ASCII and astral characters; ids long enough that the
    // frozen records fill several slabs.
    const odd = ['plain', 'quo"te\\back', 'tab\there\u0001', 'é-ü', '\u{1F600}x', '\u2028'];
    const checks = Array.from({ length: 300 }, (_, n) => {
      const text = `${odd[n % odd.length]!}-${'x'.repeat(n * 3)}`;
      const spec: TaskSpec = { ...SPEC, id: `${text}-${n}`, type: text, tags: [text, 'b'], contextKey: text, deadline: n / 7 };
      const events = lifecycle(spec).map((event) => 'agent' in event && event.agent !== undefined ? { ...event, agent: agent(`${odd[(n + 1) % odd.length]!}${n}`) } : event);
      // Every third task fails instead: its failure reason is frozen too.
      const last = events.at(-1)!;
      if (n % 3 === 0 && last.kind === 'transition') events[events.length - 1] = { ...last, task: task(spec, 'dead-lettered', 2), to: 'dead-lettered', reason: 'agent-error', quality: undefined };
      // And some complete with a quality JSON writes as null.
      else if (n % 3 === 1 && last.kind === 'transition') events[events.length - 1] = { ...last, quality: n % 2 === 0 ? Number.NaN : Number.POSITIVE_INFINITY };
      return [spec.id, fold(registry, events)] as const;
    });
    for (const [id, live] of checks) {
      expect(isFinal(live.state)).toBe(true);
      expect(registry.get(id)).not.toBe(live);
      expect(JSON.stringify(taskDetailJson(registry.get(id)!))).toBe(JSON.stringify(taskDetailJson(live)));
    }
  });

  it("answers a live task's history as the events recorded so far, after every event, with odd text, drops and many tasks in flight", () => {
    for (const historyEvents of [50, 4, 1]) {
      const registry = new TaskRegistry({ settledTasks: 5, historyEvents });
      // Braces, quotes and backslashes inside strings: the history's bytes are cut between events.
      const odd = ['}{"x":1}', 'quo"te\\}', 'é}ü\u{1F600}', 'plain'];
      const tasks = Array.from({ length: 600 }, (_, n) => {
        const spec: TaskSpec = { ...SPEC, id: `${odd[n % odd.length]!}-${n}` };
        return lifecycle(spec).map((event) => 'agent' in event && event.agent !== undefined ? { ...event, agent: agent(`${odd[(n + 1) % odd.length]!}${'a'.repeat(n % 50)}`) } : event);
      });
      // All in flight at once, their events interleaved, so the histories' arena fills and compacts.
      for (let at = 0; at < 10; at++) {
        tasks.forEach((events, n) => {
          registry.observe(events[at]!);
          if (n % 97 === at) {
            const expected = JSON.stringify(taskDetailJson(expectedEntry(events.slice(0, at + 1), historyEvents)));
            expect(JSON.stringify(taskDetailJson(registry.get(events[0]!.kind === 'submitted' ? events[0]!.task.spec.id : '')!))).toBe(expected);
          }
        });
        // The counts by state (what GET /metrics shows) are those of the live tasks' states.
        const byState = new Map<string, number>();
        for (const { state } of registry.page({ limit: 1000 }).tasks) if (!isFinal(state)) byState.set(state, (byState.get(state) ?? 0) + 1);
        expect(registry.liveStates()).toEqual(byState);
      }
      for (const events of tasks) {
        const id = events[0]!.kind === 'submitted' ? events[0]!.task.spec.id : '';
        expect(JSON.stringify(taskDetailJson(registry.get(id)!))).toBe(JSON.stringify(taskDetailJson(expectedEntry(events.slice(0, 10), historyEvents))));
        registry.observe(events[10]!);
      }
      expect(registry.liveStates()).toEqual(new Map());
    }
  });

  it('records events that arrive after a task settled, keeping it frozen', () => {
    const registry = new TaskRegistry({ settledTasks: 10, historyEvents: 12 });
    fold(registry, lifecycle(SPEC));
    const before = taskDetailJson(registry.get('t1')!);
    registry.observe({ kind: 'staleResult', time: 8, taskId: 't1', attempt: 1 });
    registry.observe({ kind: 'staleResult', time: 9, taskId: 't1', attempt: 1 });
    const after = taskDetailJson(registry.get('t1')!);
    expect(after).toEqual({ ...before, history: [...before.history.slice(1), { time: 8, kind: 'staleResult', attempt: 1 }, { time: 9, kind: 'staleResult', attempt: 1 }], historyDropped: 1 });
  });

  it('lists settled and live tasks in submission order, filtered by state and type', () => {
    const registry = new TaskRegistry({ settledTasks: 10, historyEvents: 5 });
    const specs = [SPEC, { ...SPEC, id: 't2', type: 'review' }, { ...SPEC, id: 't3' }];
    fold(registry, lifecycle(specs[0]!));
    registry.observe({ kind: 'submitted', time: 8, task: task(specs[1]!, 'queued', 0) });
    fold(registry, lifecycle(specs[2]!));
    const ids = (filter: Parameters<TaskRegistry['page']>[0]): string[] => registry.page(filter).tasks.map((entry) => entry.id);
    expect(ids({ limit: 10 })).toEqual(['t1', 't2', 't3']);
    expect(ids({ limit: 10, type: 'code' })).toEqual(['t1', 't3']);
    expect(ids({ limit: 10, state: 'completed' })).toEqual(['t1', 't3']);
    expect(ids({ limit: 10, state: 'queued' })).toEqual(['t2']);
    expect(registry.page({ limit: 1, type: 'code' })).toMatchObject({ tasks: [{ id: 't1' }], next: '0' });
    expect(ids({ limit: 10, type: 'code', cursor: '0' })).toEqual(['t3']);
    expect(registry.liveStates()).toEqual(new Map([['queued', 1]]));
  });

  it('answers an awaited submission with its task\'s state: current while live, final once settled, even when forgotten since', () => {
    for (const settledTasks of [0, 1, 10]) {
      const registry = new TaskRegistry({ settledTasks, historyEvents: 5 });
      const specs = ['w1', 'w2', 'w3'].map((id) => ({ ...SPEC, id }));
      for (const spec of specs) registry.awaitState(spec);
      fold(registry, lifecycle(specs[0]!));
      fold(registry, lifecycle(specs[1]!).slice(0, 6));
      // w1 settled; two more tasks settle after it, forgetting it with a ring of fewer than 3.
      for (const id of ['x1', 'x2']) fold(registry, lifecycle({ ...SPEC, id }));
      expect(registry.get('w1') === undefined).toBe(settledTasks < 3);
      expect(registry.awaitedState(specs[0]!)).toBe('completed');
      expect(registry.awaitedState(specs[1]!)).toBe('running');
      // Never submitted (the driver refused it): nothing to answer.
      expect(registry.awaitedState(specs[2]!)).toBeUndefined();
      // A wait ended is forgotten: a later task under the forgotten id answers its own state.
      if (settledTasks < 3) {
        const again = { ...SPEC, id: 'w1' };
        registry.awaitState(again);
        registry.observe({ kind: 'submitted', time: 9, task: task(again, 'queued', 0) });
        expect(registry.awaitedState(again)).toBe('queued');
      }
    }
  });

  it('counts an awaited submission until its wait ends, wherever the wait is (task not seen yet, live, settled with its final state kept), and none after', () => {
    const registry = new TaskRegistry({ settledTasks: 0, historyEvents: 5 });
    const [settles, stays, refused] = ['s1', 's2', 's3'].map((id) => ({ ...SPEC, id }));
    for (const spec of [settles!, stays!, refused!]) registry.awaitState(spec);
    expect(registry.awaitedSubmissions).toBe(3);
    registry.observe({ kind: 'submitted', time: 0.1, task: task(stays!, 'queued', 0) });
    fold(registry, lifecycle(settles!));
    expect(registry.get('s1')).toBeUndefined();
    expect(registry.awaitedSubmissions).toBe(3);
    expect(registry.awaitedState(settles!)).toBe('completed');
    expect(registry.awaitedState(stays!)).toBe('queued');
    expect(registry.awaitedState(refused!)).toBeUndefined();
    expect(registry.awaitedSubmissions).toBe(0);
    // Ending a wait again changes nothing.
    expect(registry.awaitedState(stays!)).toBe('queued');
    expect(registry.awaitedSubmissions).toBe(0);
  });

  it('forgets the oldest settled tasks beyond settledTasks', () => {
    const registry = new TaskRegistry({ settledTasks: 2, historyEvents: 5 });
    for (const id of ['t1', 't2', 't3']) fold(registry, lifecycle({ ...SPEC, id }));
    expect(registry.get('t1')).toBeUndefined();
    expect(registry.get('t2')?.state).toBe('completed');
    expect(registry.size).toBe(2);
  });

  it('forgets settled tasks in the order they settled, a late event keeping its place', () => {
    const registry = new TaskRegistry({ settledTasks: 3, historyEvents: 20 });
    for (const id of ['t1', 't2', 't3']) fold(registry, lifecycle({ ...SPEC, id }));
    registry.observe({ kind: 'staleResult', time: 9, taskId: 't1', attempt: 1 });
    expect(registry.get('t1')!.history.at(-1)).toEqual({ time: 9, kind: 'staleResult', attempt: 1 });
    fold(registry, lifecycle({ ...SPEC, id: 't4' }));
    expect(registry.get('t1')).toBeUndefined();
    expect(registry.get('t2')?.state).toBe('completed');
    // A forgotten id submitted again is a new live task, kept when its old slot is reused.
    registry.observe({ kind: 'submitted', time: 10, task: task({ ...SPEC, id: 't1' }, 'queued', 0) });
    for (const id of ['t5', 't6', 't7']) fold(registry, lifecycle({ ...SPEC, id }));
    expect(registry.get('t1')?.state).toBe('queued');
    expect(registry.page({ limit: 10 }).tasks.map((entry) => entry.id)).toEqual(['t1', 't5', 't6', 't7']);
  });

  it('remembers no settled task with settledTasks 0', () => {
    const registry = new TaskRegistry({ settledTasks: 0, historyEvents: 5 });
    fold(registry, lifecycle(SPEC));
    expect(registry.get('t1')).toBeUndefined();
    expect(registry.size).toBe(0);
    registry.observe({ kind: 'staleResult', time: 9, taskId: 't1', attempt: 1 });
    expect(registry.size).toBe(0);
  });

  it('lists pages in submission order across the wrap of the settled tasks, live ones among them, by type, state and workflow', () => {
    const registry = new TaskRegistry({ settledTasks: 50, historyEvents: 5 });
    const lives = new Map<string, TaskEntry>();
    for (let n = 0; n < 230; n++) {
      // Even tasks belong to one of five workflows, odd ones to none.
      const spec = { ...SPEC, id: `t${n}`, type: n % 3 === 0 ? 'review' : 'code', ...(n % 2 === 0 ? { workflowId: `w${n % 5}` } : {}) };
      // Every seventh task stays live; the rest settle and wrap the ring several times.
      if (n % 7 === 0) registry.observe({ kind: 'submitted', time: n, task: task(spec, 'queued', 0) });
      else lives.set(spec.id, fold(registry, lifecycle(spec)));
    }
    const walk = (filter: { readonly type?: string; readonly state?: TaskState; readonly workflow?: string }): string[] => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = registry.page({ ...filter, limit: 7, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.tasks.map((entry) => entry.id));
        expect(page.tasks.length).toBeLessThanOrEqual(7);
        cursor = page.next;
      } while (cursor !== undefined);
      return seen;
    };
    const liveIds = Array.from({ length: 33 }, (_, k) => `t${k * 7}`);
    const settledIds = Array.from({ length: 230 }, (_, n) => n).filter((n) => n % 7 !== 0).slice(-50).map((n) => `t${n}`);
    const all = [...liveIds, ...settledIds].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    expect(walk({})).toEqual(all);
    expect(walk({ type: 'review' })).toEqual(all.filter((id) => Number(id.slice(1)) % 3 === 0));
    expect(walk({ state: 'completed' })).toEqual(settledIds);
    const ofWorkflow = (id: string, w: number): boolean => Number(id.slice(1)) % 2 === 0 && Number(id.slice(1)) % 5 === w;
    for (let w = 0; w < 5; w++) expect(walk({ workflow: `w${w}` })).toEqual(all.filter((id) => ofWorkflow(id, w)));
    expect(walk({ workflow: 'w2', type: 'review', state: 'completed' })).toEqual(settledIds.filter((id) => ofWorkflow(id, 2) && Number(id.slice(1)) % 3 === 0));
    expect(walk({ workflow: 'none-such' })).toEqual([]);
    const [first] = registry.page({ limit: 1, state: 'completed' }).tasks;
    expect(JSON.stringify(first)).toBe(JSON.stringify(taskDetailJson(lives.get(settledIds[0]!)!), ['id', 'type', 'state', 'priority', 'submittedAt', 'agent', 'attempts', 'failureReason']));
  });

  it('answers a settled task whose JSON is larger than a slab byte for byte', () => {
    const registry = new TaskRegistry({ settledTasks: 3, historyEvents: 20 });
    const spec: TaskSpec = { ...SPEC, id: 'huge', tags: Array.from({ length: 4000 }, (_, n) => `tag-é-${n}-${'y'.repeat(40)}`) };
    const live = fold(registry, lifecycle(spec));
    expect(JSON.stringify(taskDetailJson(registry.get('huge')!))).toBe(JSON.stringify(taskDetailJson(live)));
    expect(registry.get('huge')!.spec).toEqual(spec);
  });
});
