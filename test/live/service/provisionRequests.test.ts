/**
 * The pools' provisioning queues on their own, on a clock the test moves: a request is handed out
 * once its input is durable, to the poll that waited first; its lease keeps it from others until
 * it runs out (then it is handed out again, counted); a poll listing it in `renew` holds the
 * lease while open and renews it when it ends, for the provisioner that took it only (another's
 * renewal is told the request is gone, and holds nothing); a request nobody took goes to the
 * first that renews it; the first answer settles it, later claims find it answered or
 * unknown; polls are bounded per pool and end when the queue closes. Property: whatever sequence
 * of polls (by three provisioners, renewing any requests), answers and time passing, every poll
 * answers as a model of the leases says, so no request is ever leased to two provisioners at once.
 * A request asked again after a restart is held for one heartbeat for whoever renews it (its old
 * taker), and handed out to no poll until then.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../../src/engine/agent.js';
import type { Journal } from '../../../src/live/journal.js';
import { provisionId } from '../../../src/live/provisionBook.js';
import { MAX_OPEN_POOL_POLLS, ProvisionRequests } from '../../../src/live/service/provisionRequests.js';

const LEASE_SECONDS = 10;
/** The hold of a request asked again after a restart (the service's heartbeat). */
const HOLD_SECONDS = 4;

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
  return { requests: new ProvisionRequests({ leaseSeconds: new Map([['burst', LEASE_SECONDS]]), nowMs: () => clock.ms, recoveryHoldSeconds: HOLD_SECONDS }), clock };
}

const spec = (id: string): AgentSpec => ({ id, capacity: 1, tokensPerSecond: 1, skills: {}, weight: 1, tags: [], pool: 'burst' });

describe('ProvisionRequests', () => {
  it('hands a request out only once the input that made it is durable', async () => {
    const { requests } = queues();
    const journal = laggingJournal(3);
    void requests.request('burst', provisionId(1, 1), journal, 3);
    expect((await requests.poll('burst', 'p1', 0)).requests).toEqual([]);
    journal.durableUpTo(3);
    await Promise.resolve();
    expect((await requests.poll('burst', 'p1', 0)).requests).toEqual([expect.objectContaining({ pool: 'burst', leaseSeconds: LEASE_SECONDS, delivery: 1 })]);
  });

  it('wakes the poll that waited first when a request is made', async () => {
    const { requests } = queues();
    const first = requests.poll('burst', 'p1', 30);
    const second = requests.poll('burst', 'p1', 30);
    void requests.request('burst', provisionId(1, 2), undefined, 0);
    expect((await first).requests).toHaveLength(1);
    requests.close();
    expect(await second).toEqual({ requests: [], gone: [] });
  });

  it('keeps a request from other polls during its lease, and hands it out again once it ran out', async () => {
    const { requests, clock } = queues();
    void requests.request('burst', provisionId(1, 3), undefined, 0);
    const [taken] = (await requests.poll('burst', 'p1', 0)).requests;
    clock.ms += LEASE_SECONDS * 1000 - 1;
    expect((await requests.poll('burst', 'p1', 0)).requests).toEqual([]);
    clock.ms += 1;
    expect((await requests.poll('burst', 'p1', 0)).requests).toEqual([{ ...taken, delivery: 2 }]);
    expect(requests.stats()).toEqual({ pending: 1, redelivered: 1, refusedAnswers: 0 });
  });

  it('holds the lease of a request a poll lists in renew while the poll is open, and renews it when the poll ends', async () => {
    const { requests, clock } = queues();
    void requests.request('burst', provisionId(1, 4), undefined, 0);
    const [taken] = (await requests.poll('burst', 'p1', 0)).requests;
    const closed = new AbortController();
    const holding = requests.poll('burst', 'p1', 60, [taken!.provisionId], closed.signal);
    clock.ms += 3 * LEASE_SECONDS * 1000;
    expect((await requests.poll('burst', 'p1', 0)).requests).toEqual([]);
    closed.abort();
    expect(await holding).toEqual({ requests: [], gone: [] });
    // A lease from the moment the holding poll ended.
    clock.ms += LEASE_SECONDS * 1000 - 1;
    expect((await requests.poll('burst', 'p1', 0)).requests).toEqual([]);
    clock.ms += 1;
    expect((await requests.poll('burst', 'p1', 0)).requests).toEqual([{ ...taken, delivery: 2 }]);
  });

  it('settles a request with its first answer; later claims find it answered, and polls holding it are told it is gone', async () => {
    const { requests } = queues();
    const joined = requests.request('burst', provisionId(1, 5), undefined, 0);
    const [taken] = (await requests.poll('burst', 'p1', 0)).requests;
    const holding = requests.poll('burst', 'p1', 60, [taken!.provisionId]);
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
    expect(await requests.poll('burst', 'p1', 60, [unknown])).toEqual({ requests: [], gone: [unknown] });
  });

  it('refuses a pool it does not provision (404) and polls beyond the bound (429)', () => {
    const { requests } = queues();
    expect(() => requests.poll('core', 'p1', 0)).toThrow(expect.objectContaining({ statusCode: 404 }));
    for (let i = 0; i < MAX_OPEN_POOL_POLLS; i++) void requests.poll('burst', 'p1', 60);
    expect(() => requests.poll('burst', 'p1', 60)).toThrow(expect.objectContaining({ statusCode: 429, message: `params.pool: pool burst already has ${MAX_OPEN_POOL_POLLS} polls open` }));
    requests.close();
  });

  it('holds a lease only for the provisioner that took it: another one renewing the request is told it is gone', async () => {
    const { requests, clock } = queues();
    void requests.request('burst', provisionId(1, 1), undefined, 0);
    const [taken] = (await requests.poll('burst', 'p1', 0)).requests;
    // p2's renewal ends its poll at once, and extends nothing.
    clock.ms += LEASE_SECONDS * 1000 - 1;
    expect(await requests.poll('burst', 'p2', 60, [taken!.provisionId])).toEqual({ requests: [], gone: [taken!.provisionId] });
    clock.ms += 1;
    // p1's lease ran out: the request is handed out again, here to p3, which holds it from now on.
    expect((await requests.poll('burst', 'p3', 0)).requests).toEqual([{ ...taken, delivery: 2 }]);
    expect(await requests.poll('burst', 'p1', 0, [taken!.provisionId])).toEqual({ requests: [], gone: [taken!.provisionId] });
    const holding = new AbortController();
    const p3 = requests.poll('burst', 'p3', 60, [taken!.provisionId], holding.signal);
    clock.ms += 3 * LEASE_SECONDS * 1000;
    expect((await requests.poll('burst', 'p1', 0)).requests).toEqual([]);
    holding.abort();
    expect(await p3).toEqual({ requests: [], gone: [] });
    // Its lease ran out too, and nobody took the request since: the first to renew it holds it, p1 here.
    clock.ms += LEASE_SECONDS * 1000;
    const p1 = new AbortController();
    const renewed = requests.poll('burst', 'p1', 60, [taken!.provisionId], p1.signal);
    expect(await requests.poll('burst', 'p3', 0, [taken!.provisionId])).toEqual({ requests: [], gone: [taken!.provisionId] });
    p1.abort();
    expect(await renewed).toEqual({ requests: [], gone: [] });
  });

  it('gives a request no poll took to the first provisioner that renews it', async () => {
    const { requests, clock } = queues();
    const id = provisionId(1, 7);
    void requests.request('burst', id, undefined, 0);
    const first = new AbortController();
    const p1 = requests.poll('burst', 'p1', 60, [id], first.signal);
    expect(await requests.poll('burst', 'p2', 0, [id])).toEqual({ requests: [], gone: [id] });
    expect((await requests.poll('burst', 'p2', 0)).requests).toEqual([]);
    first.abort();
    expect(await p1).toEqual({ requests: [], gone: [] });
    clock.ms += LEASE_SECONDS * 1000;
    // Renewed for a lease after the poll, never handed out: its first delivery is now.
    expect((await requests.poll('burst', 'p2', 0)).requests).toEqual([{ provisionId: id, pool: 'burst', leaseSeconds: LEASE_SECONDS, delivery: 1 }]);
  });

  it('holds a request asked again after a restart for its old taker: a renewal takes it, no poll is handed it until the hold ends', async () => {
    const { requests, clock } = queues();
    const id = provisionId(1, 8);
    void requests.request('burst', id, undefined, 0, true);
    const waiting = requests.poll('burst', 'p2', 60);
    clock.ms += HOLD_SECONDS * 1000 - 1;
    expect((await requests.poll('burst', 'p3', 0)).requests).toEqual([]);
    // The old taker comes back within the hold and renews: it holds the request, as before the restart.
    expect(await requests.poll('burst', 'p1', 0, [id])).toEqual({ requests: [], gone: [] });
    clock.ms += 1;
    expect((await requests.poll('burst', 'p3', 0)).requests).toEqual([]);
    expect(await requests.poll('burst', 'p2', 0, [id])).toEqual({ requests: [], gone: [id] });
    clock.ms += LEASE_SECONDS * 1000;
    expect((await requests.poll('burst', 'p3', 0)).requests).toEqual([{ provisionId: id, pool: 'burst', leaseSeconds: LEASE_SECONDS, delivery: 1 }]);
    requests.close();
    expect(await waiting).toEqual({ requests: [], gone: [] });
  });

  it("hands a request asked again after a restart to the pool's polls once its hold ends, when no old taker renewed it", async () => {
    const { requests, clock } = queues();
    const id = provisionId(1, 9);
    void requests.request('burst', id, undefined, 0, true);
    expect((await requests.poll('burst', 'p2', 0)).requests).toEqual([]);
    const waiting = requests.poll('burst', 'p2', 60);
    clock.ms += HOLD_SECONDS * 1000;
    expect((await requests.poll('burst', 'p3', 0)).requests).toEqual([{ provisionId: id, pool: 'burst', leaseSeconds: LEASE_SECONDS, delivery: 1 }]);
    requests.close();
    expect(await waiting).toEqual({ requests: [], gone: [] });
  });

  it('queues each request under the id it is given, once', () => {
    const { requests } = queues();
    void requests.request('burst', provisionId(1, 1), undefined, 0);
    expect(() => requests.request('burst', provisionId(1, 1), undefined, 0)).toThrow(`provisioning request ${provisionId(1, 1)} is pending already`);
  });

  type Step =
    | { readonly kind: 'poll'; readonly provisioner: string; readonly renew: readonly number[] }
    | { readonly kind: 'answer'; readonly request: number }
    | { readonly kind: 'wait'; readonly ms: number };
  const REQUESTS = 3;
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('poll' as const), provisioner: fc.constantFrom('p1', 'p2', 'p3'), renew: fc.uniqueArray(fc.integer({ min: 0, max: REQUESTS }), { maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('answer' as const), request: fc.integer({ min: 0, max: REQUESTS - 1 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(1, HOLD_SECONDS * 1000, LEASE_SECONDS * 500, LEASE_SECONDS * 1000) }) },
  );

  it('answers every poll as a model of the leases says, whatever the provisioners, renewals, answers, time and requests asked again after a restart', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), fc.array(fc.boolean(), { minLength: REQUESTS, maxLength: REQUESTS }), async (steps, redelivered) => {
        const { requests, clock } = queues();
        // Request REQUESTS is never asked for: renewing it is always gone.
        const ids = Array.from({ length: REQUESTS + 1 }, (_, i) => provisionId(1, i + 1));
        for (let i = 0; i < REQUESTS; i++) void requests.request('burst', ids[i]!, undefined, 0, redelivered[i]);
        // A request asked again after a restart starts as a lease nobody holds, for the hold.
        const model = ids.slice(0, REQUESTS).map((_, i) => ({ pending: true, holder: undefined as string | undefined, leasedUntilMs: redelivered[i] === true ? HOLD_SECONDS * 1000 : 0, deliveries: 0 }));
        for (const next of steps) {
          if (next.kind === 'wait') {
            clock.ms += next.ms;
            continue;
          }
          if (next.kind === 'answer') {
            const claim = requests.claim(ids[next.request]!);
            expect(claim.kind).toBe(model[next.request]!.pending ? 'pending' : 'answered');
            if (claim.kind === 'pending') claim.settle(spec(`burst-${next.request}`));
            model[next.request]!.pending = false;
            continue;
          }
          const { provisioner, renew } = next;
          const gone: string[] = [];
          const held = new Set<number>();
          for (const i of renew) {
            const request = model[i];
            const leasedToAnother = request !== undefined && request.holder !== undefined && request.holder !== provisioner && request.leasedUntilMs > clock.ms;
            if (request === undefined || !request.pending || leasedToAnother) gone.push(ids[i]!);
            else held.add(i);
          }
          const handedOut: { provisionId: string; pool: string; leaseSeconds: number; delivery: number }[] = [];
          model.forEach((request, i) => {
            if (!request.pending || held.has(i) || request.leasedUntilMs > clock.ms) return;
            request.deliveries++;
            request.holder = provisioner;
            request.leasedUntilMs = clock.ms + LEASE_SECONDS * 1000;
            handedOut.push({ provisionId: ids[i]!, pool: 'burst', leaseSeconds: LEASE_SECONDS, delivery: request.deliveries });
          });
          for (const i of held) {
            model[i]!.holder = provisioner;
            model[i]!.leasedUntilMs = Math.max(model[i]!.leasedUntilMs, clock.ms + LEASE_SECONDS * 1000);
          }
          expect(await requests.poll('burst', provisioner, 0, renew.map((i) => ids[i]!))).toEqual({ requests: handedOut, gone });
        }
      }),
      { numRuns: 200, seed: 20261207 },
    );
  });
});
