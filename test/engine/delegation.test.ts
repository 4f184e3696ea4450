/**
 * Delegation: how a chosen agent gets a task. Direct assignment by name, pools by tags,
 * first-fit claiming, and the two offer protocols (`offer`: one agent at a time, which may turn
 * the task down; `broadcast`: every agent that may take it, the first claim wins). Each test
 * drives a small fleet through the checking harness and ends with `assertAll` (conservation,
 * legal history, engine/driver agreement).
 */
import { describe, expect, it } from 'vitest';
import { hasFreeSlot, hasTags } from '../../src/engine/agent.js';
import type { OfferAnswer } from '../../src/engine/messages.js';
import type { AgentId, TaskId } from '../../src/engine/task.js';
import { Harness, type ConfigOverrides, type HarnessOptions } from '../support/harness.js';

const DECLINED: OfferAnswer = { accepted: false, reason: 'declined' };

function offerMode(extra: ConfigOverrides['delegation'] = {}): ConfigOverrides {
  return { delegation: { mode: 'offer', ...extra } };
}

function broadcastMode(extra: ConfigOverrides['delegation'] = {}): ConfigOverrides {
  return { delegation: { mode: 'broadcast', ...extra } };
}

/** Agents that were told to start `taskId`, in order. */
function startedOn(h: Harness, taskId: TaskId): AgentId[] {
  return h.commandsOf('start').filter((c) => c.taskId === taskId).map((c) => c.agentId);
}

/** Agents that were offered `taskId`, in order. */
function offeredTo(h: Harness, taskId: TaskId): AgentId[] {
  return h.commandsOf('offer').filter((c) => c.taskId === taskId).map((c) => c.agentId);
}

/** Agents holding an open offer of `taskId`, sorted. */
function openOffersOf(h: Harness, taskId: TaskId): AgentId[] {
  return h.openOffers.filter((o) => o.taskId === taskId).map((o) => o.agentId).sort();
}

/** Rejects every open offer until none is left (bounded). */
function rejectEveryOffer(h: Harness, answer: OfferAnswer = DECLINED, max = 100): void {
  for (let i = 0; h.openOffers.length > 0; i++) {
    if (i >= max) throw new Error('offers keep coming');
    const offer = h.openOffers[0]!;
    h.answerOffer(offer.taskId, offer.agentId, answer);
  }
}

function harness(options: HarnessOptions): Harness {
  return new Harness(options);
}

// ------------------------------------------------------------------ direct assignment

describe('direct assignment (assignee)', () => {
  it('a task with an assignee waits for that agent while the others are idle, and then runs there', () => {
    const h = harness({ agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    h.submit({ id: 'busy', assignee: 'c' });
    h.submit({ id: 'mine', assignee: 'c' });
    expect(h.state('mine')).toBe('queued');
    expect(h.agent('a').active + h.agent('b').active).toBe(0);
    h.advance(5);
    expect(h.state('mine')).toBe('queued');
    h.drive();
    h.finish('busy');
    expect(h.agentOf('mine')).toBe('c');
    h.runUntilQuiet();
    expect(startedOn(h, 'mine')).toEqual(['c']);
    h.assertAll();
  });

  it('every retry of a task with an assignee runs on the assignee, even when failure memory speaks against it', () => {
    const h = harness({
      config: { retry: { maxRetries: 2, backoff: { jitter: 0 } }, failureMemory: { seconds: 1_000 } },
      agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    });
    h.submit({ id: 'mine', assignee: 'b' });
    h.runUntilQuiet({ ok: false, reason: 'agent-error' });
    expect(startedOn(h, 'mine')).toEqual(['b', 'b', 'b']);
    expect(h.lastTransition('mine')).toMatchObject({ to: 'dead-lettered', reason: 'agent-error' });
    h.assertAll();
  });

  it('under early binding with work stealing, an idle agent never steals a task assigned to another agent', () => {
    const h = harness({ config: { binding: 'early' }, strategy: 'work-stealing', agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 'busy', assignee: 'b' });
    h.submit({ id: 'mine', assignee: 'b' });
    h.drive();
    expect(h.agent('a').active).toBe(0);
    expect(h.state('mine')).toBe('queued');
    h.finish('busy');
    h.runUntilQuiet();
    expect(startedOn(h, 'mine')).toEqual(['b']);
    h.assertAll();
  });

  it('in offer mode, an assignee that rejects is offered the task again (never another agent) until maxOffers, then it is dead-lettered with reason rejected', () => {
    const maxOffers = 3;
    const h = harness({ config: offerMode({ maxOffers }), strategy: 'least-connections', agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    h.submit({ id: 'mine', assignee: 'b' });
    for (let i = 0; i < maxOffers; i++) {
      expect(h.state('mine')).toBe('offered');
      expect(openOffersOf(h, 'mine')).toEqual(['b']);
      h.answerOffer('mine', 'b', DECLINED);
    }
    expect(offeredTo(h, 'mine')).toEqual(Array<AgentId>(maxOffers).fill('b'));
    expect(h.state('mine')).toBe('dead-lettered');
    expect(h.lastTransition('mine')!.reason).toBe('rejected');
    expect(h.path('mine').slice(-2)).toEqual(['offered->failed', 'failed->dead-lettered']);
    expect(startedOn(h, 'mine')).toEqual([]);
    expect(h.engine.counts()).toMatchObject({ deadLettered: 1, inFlight: 0 });
    h.assertAll();
  });
});

// ------------------------------------------------------------------ pools and tags

describe('pools (tags)', () => {
  const fleet = [
    { id: 'plain', capacity: 2 },
    { id: 'gpu', capacity: 2, tags: ['gpu'] },
    { id: 'gpu-eu', capacity: 2, tags: ['gpu', 'eu'] },
    { id: 'eu', capacity: 2, tags: ['eu'] },
  ];
  const asks: (readonly string[])[] = [['gpu'], ['gpu', 'eu'], ['eu'], [], ['eu', 'gpu'], ['gpu']];

  for (const strategy of ['round-robin', 'least-connections']) {
    it(`${strategy}: a tagged task is only ever placed on an agent carrying all its tags`, () => {
      const h = harness({ strategy, agents: fleet });
      const tagsOf = new Map<TaskId, readonly string[]>();
      for (let i = 0; i < 24; i++) {
        const tags = asks[i % asks.length]!;
        tagsOf.set(`t${i}`, tags);
        h.submit({ id: `t${i}`, tags });
        if (i % 3 === 2) {
          h.drive();
          h.finish(h.liveAttempts().find((a) => a.phase === 'started')!.taskId);
        }
      }
      h.runUntilQuiet();
      const starts = h.commandsOf('start');
      expect(starts).toHaveLength(24);
      for (const start of starts) {
        expect(hasTags(h.agent(start.agentId), tagsOf.get(start.taskId)), `${start.taskId} on ${start.agentId}`).toBe(true);
      }
      // The two-tag tasks had exactly one possible agent.
      const twoTag = [...tagsOf].filter(([, tags]) => tags.length === 2).map(([id]) => id);
      expect(new Set(twoTag.flatMap((id) => startedOn(h, id)))).toEqual(new Set(['gpu-eu']));
      expect(h.engine.counts()).toMatchObject({ completed: 24, inFlight: 0 });
      h.assertAll();
    });
  }

  it('a tagged task waits while no agent carrying its tags is free, and untagged work behind it still runs', () => {
    const h = harness({ agents: [{ id: 'a' }, { id: 'g', tags: ['gpu'] }] });
    h.submit({ id: 'g1', tags: ['gpu'] });
    expect(h.agentOf('g1')).toBe('g');
    h.submit({ id: 'g2', tags: ['gpu'] });
    expect(h.state('g2')).toBe('queued');
    expect(h.agent('a').active).toBe(0);
    h.submit({ id: 'plain' });
    expect(h.agentOf('plain')).toBe('a');
    h.drive();
    h.finish('plain');
    expect(h.state('g2')).toBe('queued'); // a freed up, but it lacks the tag
    h.finish('g1');
    expect(h.agentOf('g2')).toBe('g');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('a task asking for a tag no agent carries waits until an agent with it joins', () => {
    const h = harness({ agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't', tags: ['tpu'] });
    h.advance(10);
    expect(h.state('t')).toBe('queued');
    h.join({ id: 'tpu', tags: ['tpu', 'other'] });
    expect(h.agentOf('t')).toBe('tpu');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('under early binding, a tagged task is routed only to the queue of an agent carrying its tags', () => {
    const h = harness({ config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'g', tags: ['gpu'] }, { id: 'b' }] });
    for (let i = 0; i < 6; i++) h.submit({ id: `g${i}`, tags: ['gpu'] });
    expect(h.agent('g').queued).toBe(5);
    h.runUntilQuiet();
    for (let i = 0; i < 6; i++) expect(startedOn(h, `g${i}`)).toEqual(['g']);
    h.assertAll();
  });

  it('under early binding with work stealing, an idle agent never steals a task whose tags it lacks', () => {
    const h = harness({ config: { binding: 'early' }, strategy: 'work-stealing', agents: [{ id: 'a' }, { id: 'g', tags: ['gpu'] }] });
    for (let i = 0; i < 4; i++) h.submit({ id: `g${i}`, tags: ['gpu'] });
    h.runUntilQuiet();
    for (let i = 0; i < 4; i++) expect(startedOn(h, `g${i}`)).toEqual(['g']);
    h.assertAll();
  });

  it("claim 'first-fit' gives each task to the lowest-index free agent that carries its tags", () => {
    // Round-robin (the strategy) would rotate, and a load-based choice would prefer idle agents
    // over a half-busy one: first-fit does neither.
    const h = harness({
      config: { delegation: { claim: 'first-fit' } },
      agents: [{ id: 'a', capacity: 2 }, { id: 'g1', tags: ['gpu'] }, { id: 'g2', tags: ['gpu'] }, { id: 'd' }],
    });
    /** What first-fit must choose now, from the engine's view of the fleet. */
    const firstFit = (tags: readonly string[]): AgentId | undefined =>
      h.engine.agents.find((agent) => hasFreeSlot(agent) && hasTags(agent, tags))?.spec.id;
    const submit = (id: TaskId, tags: readonly string[] = []): void => {
      const expected = firstFit(tags);
      expect(expected, id).toBeDefined();
      h.submit({ id, tags: [...tags] });
      expect(h.agentOf(id), id).toBe(expected);
    };
    submit('p1');
    submit('p2');
    expect(h.agentOf('p2')).toBe('a'); // a still has a free slot
    submit('g', ['gpu']);
    submit('p3');
    submit('p4');
    expect(h.agentOf('p4')).toBe('d');
    h.drive();
    h.finish('p1');
    h.finish('p3');
    // a (half busy) and g2 are free: a gpu task skips a, an untagged one takes a.
    submit('g-next', ['gpu']);
    submit('p-next');
    expect(h.agentOf('g-next')).toBe('g2');
    expect(h.agentOf('p-next')).toBe('a');
    h.runUntilQuiet();
    h.assertAll();
  });
});

// ------------------------------------------------------------------ offer mode

describe('offer mode', () => {
  it('offers the task to the chosen agent, which holds a slot for it, and starts it only once the agent accepts', () => {
    const h = harness({ config: offerMode(), agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    expect(h.state('t')).toBe('offered');
    expect(h.commandsOf('offer')).toEqual([{ kind: 'offer', time: 0, taskId: 't', agentId: 'a', offer: 1 }]);
    expect(h.eventsOf('offerMade')).toMatchObject([{ taskId: 't', agentId: 'a' }]);
    expect(h.agent('a').active).toBe(1);
    expect(h.engine.task('t')!.offers).toBe(1);
    expect(h.commandsOf('start')).toHaveLength(0);
    h.advance(2);
    h.answerOffer('t', 'a');
    expect(h.eventsOf('offerAnswered')).toMatchObject([{ taskId: 't', agentId: 'a', accepted: true, time: 2 }]);
    expect(h.state('t')).toBe('assigned');
    expect(startedOn(h, 't')).toEqual(['a']);
    expect(h.agent('a').active).toBe(1);
    h.runUntilQuiet();
    expect(h.path('t')).toEqual(['created->queued', 'queued->offered', 'offered->assigned', 'assigned->running', 'running->completed']);
    expect(h.agent('a').active).toBe(0);
    h.assertAll();
  });

  it('a rejected offer returns the task to queued with its rejection reason, and it is re-offered to another agent, never the one that rejected it', () => {
    // least-connections would pick a again (lowest index among idle agents) if the rejection were ignored.
    const h = harness({ config: offerMode(), strategy: 'least-connections', agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    expect(openOffersOf(h, 't')).toEqual(['a']);
    h.answerOffer('t', 'a', { accepted: false, reason: 'lacks-skill' });
    expect(h.eventsOf('offerAnswered')).toMatchObject([{ taskId: 't', agentId: 'a', accepted: false, rejection: 'lacks-skill' }]);
    expect(h.path('t')).toEqual(['created->queued', 'queued->offered', 'offered->queued', 'queued->offered']);
    expect(h.engine.task('t')!.rejectionReason).toBe('lacks-skill');
    expect(openOffersOf(h, 't')).toEqual(['b']);
    expect(h.agent('a').active).toBe(0);
    h.runUntilQuiet();
    expect(startedOn(h, 't')).toEqual(['b']);
    expect(h.engine.counts()).toMatchObject({ submitted: 1, completed: 1, inFlight: 0 });
    h.assertAll();
  });

  it('loses no task when many offers are rejected along the way', () => {
    const h = harness({ config: offerMode({ maxOffers: 4 }), strategy: 'least-connections', agents: [{ id: 'a' }, { id: 'b', capacity: 2 }, { id: 'c' }] });
    for (let i = 0; i < 12; i++) h.submit({ id: `t${i}` });
    // Every third answer is a rejection; the rest accept.
    for (let answers = 0; h.openOffers.length > 0 || h.liveAttempts().length > 0; answers++) {
      if (answers > 1_000) throw new Error('not quiet');
      h.drive();
      const offer = h.openOffers[0];
      if (offer !== undefined) h.answerOffer(offer.taskId, offer.agentId, answers % 3 === 0 ? DECLINED : { accepted: true });
      else h.finish(h.liveAttempts()[0]!.taskId);
    }
    const counts = h.assertConservation();
    expect(counts.inFlight).toBe(0);
    expect(counts.completed + counts.deadLettered).toBe(12);
    for (let i = 0; i < 12; i++) expect(startedOn(h, `t${i}`).length).toBeLessThanOrEqual(1);
    h.assertAll();
  });

  it('an offer not answered within offerTimeoutSeconds is withdrawn (reason offer-timeout) and the task is re-offered', () => {
    const h = harness({ config: offerMode({ offerTimeoutSeconds: 5 }), strategy: 'least-connections', agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    h.advance(4.5);
    expect(openOffersOf(h, 't')).toEqual(['a']);
    expect(h.commandsOf('withdraw')).toHaveLength(0);
    h.advance(0.5);
    expect(h.commandsOf('withdraw')).toEqual([{ kind: 'withdraw', time: 5, taskId: 't', agentId: 'a', offer: 1 }]);
    expect(h.eventsOf('offerAnswered')).toMatchObject([{ taskId: 't', agentId: 'a', accepted: false, rejection: 'offer-timeout', time: 5 }]);
    expect(h.agent('a').active).toBe(0);
    expect(h.commandsOf('offer').at(-1)).toEqual({ kind: 'offer', time: 5, taskId: 't', agentId: 'b', offer: 2 });
    expect(h.engine.task('t')!.rejectionReason).toBe('offer-timeout');
    h.answerOffer('t', 'b');
    expect(h.timers.size).toBe(0); // the answered offer's timeout is cancelled
    h.runUntilQuiet();
    expect(startedOn(h, 't')).toEqual(['b']);
    h.assertAll();
  });

  it('when every agent has rejected the task, a new round may ask them again', () => {
    const h = harness({ config: offerMode({ maxOffers: 10 }), strategy: 'least-connections', agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    h.answerOffer('t', 'a', DECLINED);
    expect(openOffersOf(h, 't')).toEqual(['b']);
    h.answerOffer('t', 'b', DECLINED);
    expect(h.state('t')).toBe('offered');
    expect(openOffersOf(h, 't')).toHaveLength(1);
    expect(['a', 'b']).toContain(openOffersOf(h, 't')[0]);
    expect(h.engine.task('t')!.offers).toBe(3);
    h.runUntilQuiet();
    expect(h.state('t')).toBe('completed');
    h.assertAll();
  });

  it('when the last agent that had not rejected the task leaves, the agents that rejected it are asked again', () => {
    const h = harness({ config: offerMode(), strategy: 'least-connections', agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    h.submit({ id: 'busy', assignee: 'c', maxRetries: 0 });
    h.answerOffer('busy', 'c');
    h.drive();
    h.submit({ id: 't' });
    h.answerOffer('t', 'a', DECLINED);
    h.answerOffer('t', 'b', DECLINED);
    expect(h.state('t')).toBe('queued'); // waiting for c, the one agent that has not said no
    h.leave('c');
    expect(h.state('t')).toBe('offered');
    h.runUntilQuiet();
    expect(h.state('t')).toBe('completed');
    h.assertAll();
  });

  it('when the last agent that had not rejected the task is drained, the agents that rejected it are asked again', () => {
    const h = harness({ config: offerMode(), strategy: 'least-connections', agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    h.submit({ id: 'busy', assignee: 'c' });
    h.answerOffer('busy', 'c');
    h.drive();
    h.submit({ id: 't' });
    h.answerOffer('t', 'a', DECLINED);
    h.answerOffer('t', 'b', DECLINED);
    expect(h.state('t')).toBe('queued');
    h.admin({ op: 'drain', agentId: 'c' });
    expect(h.state('t')).toBe('offered');
    h.runUntilQuiet();
    expect(h.state('t')).toBe('completed');
    expect(startedOn(h, 't')).not.toContain('c');
    h.assertAll();
  });

  it('a round of offers ends when the task is claimed: a retry may be offered to an agent that rejected an earlier offer', () => {
    const h = harness({ config: offerMode({ offerTimeoutSeconds: 30 }), strategy: 'least-connections', agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    h.answerOffer('t', 'a', DECLINED);
    h.answerOffer('t', 'b');
    h.drive();
    h.leave('b'); // the attempt fails with agent-lost; a is the only agent left
    h.advance(60);
    expect(h.state('t')).toBe('offered');
    expect(openOffersOf(h, 't')).toEqual(['a']);
    h.runUntilQuiet();
    expect(h.state('t')).toBe('completed');
    h.assertAll();
  });

  it('after maxOffers offers the task is dead-lettered with reason rejected', () => {
    const maxOffers = 3;
    const h = harness({ config: offerMode({ maxOffers }), agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    h.submit({ id: 'bystander', assignee: 'b' });
    rejectEveryOffer(h);
    expect(offeredTo(h, 't')).toHaveLength(maxOffers);
    expect(h.state('t')).toBe('dead-lettered');
    expect(h.lastTransition('t')).toMatchObject({ to: 'dead-lettered', reason: 'rejected' });
    expect(startedOn(h, 't')).toEqual([]);
    expect(h.agent('a').active + h.agent('b').active).toBe(0);
    h.assertAll();
  });

  it('unanswered offers count towards maxOffers too', () => {
    const h = harness({ config: offerMode({ maxOffers: 2, offerTimeoutSeconds: 3 }), agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    h.advance(100);
    expect(offeredTo(h, 't')).toHaveLength(2);
    expect(h.lastTransition('t')).toMatchObject({ to: 'dead-lettered', reason: 'rejected', time: 6 });
    expect(h.timers.size).toBe(0);
    h.assertAll();
  });

  it('an answer to a withdrawn offer is recorded as a staleResult and never applied', () => {
    const h = harness({ config: offerMode({ offerTimeoutSeconds: 5 }), strategy: 'least-connections', agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    h.advance(5); // offer 1 to a withdrawn; offer 2 to b
    expect(openOffersOf(h, 't')).toEqual(['b']);
    h.advance(1);
    h.answerOfferNumber('t', 'a', 1, { accepted: true });
    expect(h.eventsOf('staleResult')).toEqual([{ kind: 'staleResult', time: 6, taskId: 't', attempt: 1 }]);
    expect(h.state('t')).toBe('offered');
    expect(h.agent('a').active).toBe(0);
    expect(startedOn(h, 't')).toEqual([]);
    h.answerOfferNumber('t', 'a', 1, DECLINED);
    expect(h.eventsOf('staleResult')).toHaveLength(2);
    expect(openOffersOf(h, 't')).toEqual(['b']);
    h.runUntilQuiet();
    expect(startedOn(h, 't')).toEqual(['b']);
    h.assertAll();
  });
});

// ------------------------------------------------------------------ broadcast mode

describe('broadcast mode', () => {
  it('offers the task, as one offer, to every free agent that may take it', () => {
    const h = harness({
      config: broadcastMode(),
      agents: [{ id: 'g1', tags: ['gpu'] }, { id: 'plain' }, { id: 'g2', tags: ['gpu'] }, { id: 'g3', tags: ['gpu'] }],
    });
    h.submit({ id: 'busy', assignee: 'g3' });
    h.answerOffer('busy', 'g3');
    h.submit({ id: 't', tags: ['gpu'] });
    expect(h.state('t')).toBe('offered');
    expect(openOffersOf(h, 't')).toEqual(['g1', 'g2']);
    expect(h.commandsOf('offer').filter((c) => c.taskId === 't').map((c) => c.offer)).toEqual([1, 1]);
    expect(h.engine.task('t')!.offers).toBe(1);
    expect(h.agent('g1').active).toBe(1);
    expect(h.agent('g2').active).toBe(1);
    expect(h.agent('plain').active).toBe(0);
    h.runUntilQuiet();
    h.assertAll();
  });

  it('the first acceptance wins: the task is assigned there, the other offers are withdrawn, and it runs exactly once', () => {
    const h = harness({ config: broadcastMode(), agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    h.submit({ id: 't' });
    expect(openOffersOf(h, 't')).toEqual(['a', 'b', 'c']);
    h.advance(1);
    h.answerOffer('t', 'b');
    expect(h.state('t')).toBe('assigned');
    expect(startedOn(h, 't')).toEqual(['b']);
    expect(h.commandsOf('withdraw').map((c) => c.agentId).sort()).toEqual(['a', 'c']);
    expect(h.agent('a').active).toBe(0);
    expect(h.agent('c').active).toBe(0);
    expect(h.agent('b').active).toBe(1);
    // A loser that claims it anyway: recorded as a duplicate claim with the setup it spent.
    h.advance(1);
    h.answerOfferNumber('t', 'c', 1, { accepted: true }, 250);
    expect(h.eventsOf('duplicateClaim')).toEqual([{ kind: 'duplicateClaim', time: 2, taskId: 't', agentId: 'c', setupTokens: 250 }]);
    expect(h.state('t')).toBe('assigned');
    expect(h.agent('c').active).toBe(0);
    h.runUntilQuiet();
    expect(startedOn(h, 't')).toEqual(['b']);
    expect(h.transitions('t').filter((e) => e.to === 'completed')).toHaveLength(1);
    h.assertAll();
  });

  it('a rejection closes only that agent’s offer; once every agent rejected, the task is broadcast again', () => {
    const h = harness({ config: broadcastMode(), agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    h.submit({ id: 't' });
    h.answerOffer('t', 'a', DECLINED);
    expect(h.state('t')).toBe('offered');
    expect(openOffersOf(h, 't')).toEqual(['b', 'c']);
    expect(h.agent('a').active).toBe(0);
    h.answerOffer('t', 'b', DECLINED);
    h.answerOffer('t', 'c', DECLINED);
    expect(h.engine.task('t')!.offers).toBe(2);
    expect(openOffersOf(h, 't')).toEqual(['a', 'b', 'c']);
    h.runUntilQuiet();
    expect(h.state('t')).toBe('completed');
    h.assertAll();
  });
});

// ------------------------------------------------------------------ cancellation and departures

describe('offers closed by cancellation or departure', () => {
  for (const [mode, agents] of [['offer', [{ id: 'a' }]], ['broadcast', [{ id: 'a' }, { id: 'b' }]]] as const) {
    it(`${mode}: cancelling an offered task withdraws its offers and frees their slots`, () => {
      const h = harness({ config: { delegation: { mode, offerTimeoutSeconds: 30 } }, agents });
      h.submit({ id: 't' });
      const offered = openOffersOf(h, 't');
      expect(offered.length).toBeGreaterThan(0);
      h.cancel('t');
      expect(h.state('t')).toBe('cancelled');
      expect(h.lastTransition('t')).toMatchObject({ from: 'offered', to: 'cancelled', reason: 'cancelled-by-request' });
      expect(h.commandsOf('withdraw').map((c) => c.agentId).sort()).toEqual(offered);
      expect(h.engine.agents.map((agent) => agent.active)).toEqual(agents.map(() => 0));
      expect(h.timers.size).toBe(0);
      h.submit({ id: 'next' });
      expect(openOffersOf(h, 'next')).toEqual(offered);
      h.runUntilQuiet();
      h.assertAll();
    });
  }

  it('an agent leaving with an open offer closes it (reason agent-lost) and the task is re-offered', () => {
    const h = harness({ config: offerMode({ offerTimeoutSeconds: 30 }), agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    expect(openOffersOf(h, 't')).toEqual(['a']);
    h.advance(3);
    h.leave('a');
    expect(h.eventsOf('offerAnswered')).toMatchObject([{ taskId: 't', agentId: 'a', accepted: false, rejection: 'agent-lost', time: 3 }]);
    expect(h.state('t')).toBe('offered');
    expect(openOffersOf(h, 't')).toEqual(['b']);
    h.runUntilQuiet();
    expect(startedOn(h, 't')).toEqual(['b']);
    h.assertAll();
  });

  it('under broadcast, an agent leaving closes only its own offer', () => {
    const h = harness({ config: broadcastMode(), agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    h.submit({ id: 't' });
    h.leave('b');
    expect(h.state('t')).toBe('offered');
    expect(openOffersOf(h, 't')).toEqual(['a', 'c']);
    expect(h.eventsOf('offerAnswered')).toMatchObject([{ agentId: 'b', rejection: 'agent-lost' }]);
    h.runUntilQuiet();
    expect(startedOn(h, 't')).toHaveLength(1);
    h.assertAll();
  });
});
