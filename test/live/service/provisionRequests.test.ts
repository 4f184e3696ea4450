/**
 * The pools' provisioning queues on their own, on a clock the test moves: a request is handed out
 * once its input is durable, to the poll that waited first; its lease keeps it from others until
 * it runs out (then it is handed out again, counted); a poll listing it in `renew` holds the
 * lease while open and renews it when it ends; the first answer settles it, later claims find it
 * answered or unknown; polls are bounded per pool and end when the queue closes.
 */
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../../src/engine/agent.js';
import type { Journal } from '../../../src/live/journal.js';
import { MAX_OPEN_POOL_POLLS, ProvisionRequests } from '../../../src/live/service/provisionRequests.js';

const LEASE_SECONDS = 10;

/** A journal whose inputs become durable when the test says (no `afterDurable`: durability is awaited). */
function laggingJournal(appendedSeq: number): Journal & { durableUpTo(seq: number): void } {
  const waiters: { seq: number; resolve: () => void }[] = [];
  const journal = {
    appendedSeq, durableSeq: 0,
    append: () => ++journal.appendedSeq,
    whenDurable: (seq: number) => new Promise<void>((resolve) => (seq <= journal.durableSeq ? resolve() : waiters.push({ seq, resolve }))),
    durableUpTo(seq: number): void {
      journal.durableSeq = seq;
      for (const waiter of waiters.filter((entry) => entry.seq <= seq)) waiter.resolve();
    },
  };
  return journal;
}

function queues(): { requests: ProvisionRequests; clock: { ms: number } } {
  const clock = { ms: 0 };
  return { requests: new ProvisionRequests({ leaseSeconds: new Map([['burst', LEASE_SECONDS]]), nowMs: () => clock.ms }), clock };
}

const spec = (id: string): AgentSpec => ({ id, capacity: 1, tokensPerSecond: 1, skills: {}, weight: 1, tags: [], pool: 'burst' });

describe('ProvisionRequests', () => {
  it('hands a request out only once the input that made it is durable', async () => {
    const { requests } = queues();
    const journal = laggingJournal(3);
    void requests.request('burst', journal, 3);
    expect((await requests.poll('burst', 0)).requests).toEqual([]);
    journal.durableUpTo(3);
    await Promise.resolve();
    expect((await requests.poll('burst', 0)).requests).toEqual([expect.objectContaining({ pool: 'burst', leaseSeconds: LEASE_SECONDS, delivery: 1 })]);
  });

  it('wakes the poll that waited first when a request is made', async () => {
    const { requests } = queues();
    const first = requests.poll('burst', 30);
    const second = requests.poll('burst', 30);
    void requests.request('burst', undefined, 0);
    expect((await first).requests).toHaveLength(1);
    requests.close();
    expect(await second).toEqual({ requests: [], gone: [] });
  });

  it('keeps a request from other polls during its lease, and hands it out again once it ran out', async () => {
    const { requests, clock } = queues();
    void requests.request('burst', undefined, 0);
    const [taken] = (await requests.poll('burst', 0)).requests;
    clock.ms += LEASE_SECONDS * 1000 - 1;
    expect((await requests.poll('burst', 0)).requests).toEqual([]);
    clock.ms += 1;
    expect((await requests.poll('burst', 0)).requests).toEqual([{ ...taken, delivery: 2 }]);
    expect(requests.stats()).toEqual({ pending: 1, redelivered: 1, refusedAnswers: 0 });
  });

  it('holds the lease of a request a poll lists in renew while the poll is open, and renews it when the poll ends', async () => {
    const { requests, clock } = queues();
    void requests.request('burst', undefined, 0);
    const [taken] = (await requests.poll('burst', 0)).requests;
    const closed = new AbortController();
    const holding = requests.poll('burst', 60, [taken!.provisionId], closed.signal);
    clock.ms += 3 * LEASE_SECONDS * 1000;
    expect((await requests.poll('burst', 0)).requests).toEqual([]);
    closed.abort();
    expect(await holding).toEqual({ requests: [], gone: [] });
    // A lease from the moment the holding poll ended.
    clock.ms += LEASE_SECONDS * 1000 - 1;
    expect((await requests.poll('burst', 0)).requests).toEqual([]);
    clock.ms += 1;
    expect((await requests.poll('burst', 0)).requests).toEqual([{ ...taken, delivery: 2 }]);
  });

  it('settles a request with its first answer; later claims find it answered, and polls holding it are told it is gone', async () => {
    const { requests } = queues();
    const joined = requests.request('burst', undefined, 0);
    const [taken] = (await requests.poll('burst', 0)).requests;
    const holding = requests.poll('burst', 60, [taken!.provisionId]);
    const claim = requests.claim(taken!.provisionId);
    expect(claim.kind).toBe('pending');
    if (claim.kind === 'pending') claim.settle(spec('burst-1'));
    expect(await joined).toEqual(spec('burst-1'));
    expect(await holding).toEqual({ requests: [], gone: [taken!.provisionId] });
    expect(requests.claim(taken!.provisionId)).toEqual({ kind: 'answered', pool: 'burst', agentId: 'burst-1' });
    expect(requests.claim('00000000-0000-4000-8000-000000000000')).toEqual({ kind: 'unknown' });
    expect(requests.stats()).toMatchObject({ pending: 0 });
    // Once its agent left, the request is forgotten.
    requests.agentLeft('burst-1');
    expect(requests.claim(taken!.provisionId)).toEqual({ kind: 'unknown' });
  });

  it('answers at once a poll whose renew lists a request it does not know', async () => {
    const { requests } = queues();
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await requests.poll('burst', 60, [unknown])).toEqual({ requests: [], gone: [unknown] });
  });

  it('refuses a pool it does not provision (404) and polls beyond the bound (429)', () => {
    const { requests } = queues();
    expect(() => requests.poll('core', 0)).toThrow(expect.objectContaining({ statusCode: 404 }));
    for (let i = 0; i < MAX_OPEN_POOL_POLLS; i++) void requests.poll('burst', 60);
    expect(() => requests.poll('burst', 60)).toThrow(expect.objectContaining({ statusCode: 429, message: `params.pool: pool burst already has ${MAX_OPEN_POOL_POLLS} polls open` }));
    requests.close();
  });
});
