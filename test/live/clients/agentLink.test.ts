/**
 * AgentLink against a scripted transport: what it sends (which agents each poll and flush lists,
 * which reports and offer answers go together, an attempt's two reports as one item, which ride
 * on a re-poll) and how it acts on the answers (commands handed to their agent, a
 * 404 naming one agent re-registers that agent only, a refusal stops the agents listed, an
 * unreachable service is retried).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentLink, CARRYING_POLL_SECONDS, MAX_REPORTS_PER_POLL, type AgentLinkOptions } from '../../../src/live/clients/agentLink.js';
import { ServiceUnavailable, type ServiceAnswer } from '../../../src/live/clients/serviceClient.js';
import type { WireCommand } from '../../../src/live/service/remoteAgents.js';
import { eventually } from '../../support/eventually.js';

interface Sent {
  readonly path: string;
  readonly body: { agents: string[]; reports?: { agent: string; task: string; started?: object; finished?: object }[]; offers?: { agent: string; offerId: string }[] };
}

const stopping: AbortController[] = [];
afterEach(() => {
  for (const controller of stopping.splice(0)) controller.abort();
});

/** A link whose transport answers with `answer(request)` (a long poll with nothing to say waits a little, or until `answer`'s promise settles). */
function linked(answer: (sent: Sent) => ServiceAnswer | 'unreachable' | Promise<ServiceAnswer>, options: Partial<AgentLinkOptions> = {}) {
  const sent: Sent[] = [];
  const commands: [string, readonly WireCommand[]][] = [];
  const rejoined: string[] = [];
  const refused: string[] = [];
  let retries = 0;
  const controller = new AbortController();
  stopping.push(controller);
  const link = new AgentLink({
    client: {
      request: async (_method, path, body) => {
        const request = { path, body: body as Sent['body'] };
        sent.push(request);
        await new Promise((resolve) => setTimeout(resolve, path.endsWith('wait=0') ? 0 : 5));
        const reply = await answer(request);
        if (reply === 'unreachable') throw new ServiceUnavailable('ECONNREFUSED');
        return reply;
      },
    },
    agentIds: ['a1', 'a2'], pollSeconds: 1, backoff: { baseMs: 5, capMs: 10, minMs: 1 }, signal: controller.signal,
    onCommands: (agent, list) => commands.push([agent, list]),
    rejoin: (agent) => {
      rejoined.push(agent);
      return Promise.resolve(true);
    },
    onRetry: () => void retries++,
    onRefused: (agent) => refused.push(agent),
    log: () => undefined,
    ...options,
  });
  const running = link.run();
  return { link, sent, commands, rejoined, refused, retries: () => retries, running, stop: () => controller.abort() };
}

const ok = (body: object): ServiceAnswer => ({ status: 200, body: { commands: [], ...body } });
/** Waits for `condition` (checked every 5 ms); fails naming `what` if it has not held within 5 s. */
const until = (condition: () => boolean, what: string): Promise<void> => eventually(condition, 5_000, what, 5);

describe('AgentLink', () => {
  it('keeps two long-polls listing every agent open and hands each agent its commands', async () => {
    let handedOut = false;
    const start: WireCommand = { kind: 'retire' };
    const { sent, commands } = linked(() => {
      if (handedOut) return ok({});
      handedOut = true;
      return ok({ commands: [{ agent: 'a2', commands: [start] }] });
    });
    await until(() => commands.length === 1 && sent.length >= 4, 'the commands for a2 handed out, four polls sent');
    expect(commands).toEqual([['a2', [start]]]);
    expect(sent.every((request) => request.path === '/v1/agents/poll?wait=1' && request.body.agents.join() === 'a1,a2')).toBe(true);
  });

  it('sends the reports of one turn in one flush listing only their agents, in order, and settles each with its result', async () => {
    // The long polls stay open until the reports are settled: a poll answered within the report
    // hold would carry them in its re-poll instead, and on a loaded machine the process can be
    // descheduled between sending the polls and queueing the reports, for longer than any fixed
    // answer delay.
    let reportsSettled: () => void = () => undefined;
    const pollsHeld = new Promise<void>((resolve) => { reportsSettled = resolve; });
    const { link, sent } = linked(async (request) => {
      if (request.body.reports === undefined) return pollsHeld.then(() => ok({}));
      return ok({ results: request.body.reports.map((report) => (report.task === 't2' ? { finished: { stale: true } } : { finished: { stale: false } })) });
    });
    const results = await Promise.all(['t1', 't2', 't3'].map((task) => link.report({ agent: 'a1', task, attempt: 1, finished: { ok: true, quality: 1 } })));
    reportsSettled();
    expect(results).toEqual([{ stale: false }, { stale: true }, { stale: false }]);
    const flushes = sent.filter((request) => request.body.reports !== undefined);
    expect(flushes).toHaveLength(1);
    expect(flushes[0]!.path).toBe('/v1/agents/poll?wait=0');
    expect(flushes[0]!.body.agents).toEqual(['a1']);
    expect(flushes[0]!.body.reports!.map((report) => report.task)).toEqual(['t1', 't2', 't3']);
  });

  it('sends an attempt\'s finished in the item of its started while that is still queued, and settles each report from its own part', async () => {
    let reportsSettled: () => void = () => undefined;
    const pollsHeld = new Promise<void>((resolve) => { reportsSettled = resolve; });
    const { link, sent } = linked(async (request) => {
      if (request.body.reports === undefined) return pollsHeld.then(() => ok({}));
      // t1's start is stale (say, the attempt was withdrawn), its end fresh: each report gets its own answer.
      return ok({ results: request.body.reports.map((report) => ({ ...(report.started === undefined ? {} : { started: { stale: report.task === 't1' } }), ...(report.finished === undefined ? {} : { finished: { stale: false } }) })) });
    });
    const finished = { ok: true, quality: 1 } as const;
    const reports = [
      link.report({ agent: 'a1', task: 't1', attempt: 1, started: { setupTokens: 0 } }),
      link.report({ agent: 'a2', task: 't2', attempt: 1, started: { setupTokens: 0 } }),
      link.report({ agent: 'a1', task: 't1', attempt: 1, finished }),
      // Another attempt of t1 is another item.
      link.report({ agent: 'a1', task: 't1', attempt: 2, finished }),
    ];
    const results = await Promise.all(reports);
    reportsSettled();
    expect(results).toEqual([{ stale: true }, { stale: false }, { stale: false }, { stale: false }]);
    const flushes = sent.filter((request) => request.body.reports !== undefined);
    expect(flushes).toHaveLength(1);
    expect(flushes[0]!.body.reports).toEqual([
      { agent: 'a1', task: 't1', attempt: 1, started: { setupTokens: 0 }, finished },
      { agent: 'a2', task: 't2', attempt: 1, started: { setupTokens: 0 } },
      { agent: 'a1', task: 't1', attempt: 2, finished },
    ]);
  });

  it('sends a finished again on its own when the item it joined is refused whole (its started refused), and settles it from that answer', async () => {
    let reportsSettled: () => void = () => undefined;
    const pollsHeld = new Promise<void>((resolve) => { reportsSettled = resolve; });
    const { link, sent } = linked(async (request) => {
      if (request.body.reports === undefined) return pollsHeld.then(() => ok({}));
      return ok({ results: request.body.reports.map((report) => (report.started === undefined ? { finished: { stale: false } } : { error: 'body.reports[0].started.contextBlocksHit: task t1 has no contextBlocks, got 2 hits', status: 400 })) });
    });
    const results = await Promise.all([
      link.report({ agent: 'a1', task: 't1', attempt: 1, started: { setupTokens: 0, contextBlocksHit: 2 } }),
      link.report({ agent: 'a1', task: 't1', attempt: 1, finished: { ok: true, quality: 1 } }),
    ]);
    reportsSettled();
    expect(results).toEqual([{ stale: true, error: 'HTTP 400: body.reports[0].started.contextBlocksHit: task t1 has no contextBlocks, got 2 hits' }, { stale: false }]);
    expect(sent.filter((request) => request.body.reports !== undefined).map((request) => request.body.reports!.map((report) => Object.keys(report).join()))).toEqual([
      ['agent,task,attempt,started,finished'], ['agent,task,attempt,finished'],
    ]);
  });

  it('sends a finished on its own, after its started, once that started has been sent', async () => {
    let answerFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => { answerFirst = resolve; });
    let reportsSettled: () => void = () => undefined;
    const pollsHeld = new Promise<void>((resolve) => { reportsSettled = resolve; });
    const { link, sent } = linked(async (request) => {
      if (request.body.reports === undefined) return pollsHeld.then(() => ok({}));
      if (request.body.reports[0]!.started !== undefined) await firstHeld;
      return ok({ results: request.body.reports.map(() => ({ finished: { stale: false } })) });
    });
    const started = link.report({ agent: 'a1', task: 't1', attempt: 1, started: { setupTokens: 0 } });
    await until(() => sent.some((request) => request.body.reports !== undefined), 'the start sent');
    const finished = link.report({ agent: 'a1', task: 't1', attempt: 1, finished: { ok: true, quality: 1 } });
    answerFirst();
    await Promise.all([started, finished]);
    reportsSettled();
    const flushes = sent.filter((request) => request.body.reports !== undefined).map((request) => request.body.reports);
    expect(flushes).toEqual([
      [{ agent: 'a1', task: 't1', attempt: 1, started: { setupTokens: 0 } }],
      [{ agent: 'a1', task: 't1', attempt: 1, finished: { ok: true, quality: 1 } }],
    ]);
  });

  it('carries offer answers with the reports, as offers, and settles each from its offerResults', async () => {
    let reportsSettled: () => void = () => undefined;
    const pollsHeld = new Promise<void>((resolve) => { reportsSettled = resolve; });
    const { link, sent } = linked(async (request) => {
      if (request.body.reports === undefined && request.body.offers === undefined) return pollsHeld.then(() => ok({}));
      return ok({
        results: (request.body.reports ?? []).map(() => ({ finished: { stale: false } })),
        offerResults: (request.body.offers ?? []).map((offer) => (offer.offerId === 'o2' ? { stale: true } : offer.offerId === 'o3' ? { error: 'body.offers[2].offerId: offer o3 was made to another agent', status: 403 } : { stale: false })),
      });
    });
    const results = await Promise.all([
      link.answerOffer({ agent: 'a1', offerId: 'o1', accept: true, setupTokens: 5 }),
      link.report({ agent: 'a1', task: 't1', attempt: 1, finished: { ok: true, quality: 1 } }),
      link.answerOffer({ agent: 'a2', offerId: 'o2', accept: false, reason: 'overloaded' }),
      link.answerOffer({ agent: 'a2', offerId: 'o3', accept: true }),
    ]);
    reportsSettled();
    expect(results).toEqual([
      { stale: false }, { stale: false }, { stale: true }, { stale: true, error: 'HTTP 403: body.offers[2].offerId: offer o3 was made to another agent' },
    ]);
    const flushes = sent.filter((request) => request.body.offers !== undefined);
    expect(flushes).toHaveLength(1);
    expect(flushes[0]!.path).toBe('/v1/agents/poll?wait=0');
    expect(flushes[0]!.body).toEqual({
      agents: ['a1', 'a2'],
      reports: [{ agent: 'a1', task: 't1', attempt: 1, finished: { ok: true, quality: 1 } }],
      offers: [
        { agent: 'a1', offerId: 'o1', accept: true, setupTokens: 5 }, { agent: 'a2', offerId: 'o2', accept: false, reason: 'overloaded' }, { agent: 'a2', offerId: 'o3', accept: true },
      ],
    });
  });

  it('carries the reports a poll answer\'s commands queued in the re-poll, with a short wait, and settles them from its answer', async () => {
    const start: WireCommand = { kind: 'retire' };
    let handedOut = false;
    const results: Promise<unknown>[] = [];
    const reporter: { link?: AgentLink } = {};
    const { link, sent } = linked((request) => {
      if (request.body.reports !== undefined) return ok({ results: request.body.reports.map(() => ({ started: { stale: false } })) });
      if (handedOut) return ok({});
      handedOut = true;
      return ok({ commands: [{ agent: 'a1', commands: [start] }] });
    }, {
      polls: 1,
      onCommands: (agent) => void results.push(reporter.link!.report({ agent, task: 't1', attempt: 1, started: { setupTokens: 0 } })),
    });
    reporter.link = link;
    await until(() => results.length === 1 && sent.length >= 3, 'a report queued, three requests sent');
    expect(await Promise.all(results)).toEqual([{ stale: false }]);
    expect(sent[1]!.path).toBe(`/v1/agents/poll?wait=${CARRYING_POLL_SECONDS}`);
    expect(sent[1]!.body.agents).toEqual(['a1', 'a2']);
    expect(sent[1]!.body.reports!.map((report) => report.task)).toEqual(['t1']);
    expect(sent.filter((request) => request.path.endsWith('wait=0'))).toEqual([]);
  });

  it('sends a backlog longer than a re-poll carries in flushes on the next turn, whose answers do not wait for commands', async () => {
    const { link, sent } = linked((request) => ok({ results: (request.body.reports ?? []).map(() => ({ finished: { stale: false } })) }));
    const results = await Promise.all(Array.from({ length: MAX_REPORTS_PER_POLL + 50 }, (_, i) => link.report({ agent: 'a1', task: `t${i}`, attempt: 1, finished: { ok: true, quality: 1 } })));
    expect(results.every((result) => result?.stale === false)).toBe(true);
    const carrying = sent.filter((request) => request.body.reports !== undefined);
    expect(carrying.map((request) => [request.path, request.body.reports!.length])).toEqual([['/v1/agents/poll?wait=0', MAX_REPORTS_PER_POLL + 50]]);
  });

  it('re-registers only the agent a 404 names, then polls again for both', async () => {
    let missing = true;
    const { sent, rejoined } = linked((request) => {
      if (missing && request.body.reports === undefined) {
        missing = false;
        return { status: 404, body: { error: 'body.agents[1]: agent a2 is not in the fleet (register with POST /v1/agents)' } };
      }
      return ok({});
    }, { polls: 1 });
    await until(() => sent.length >= 3, 'three polls sent');
    expect(rejoined).toEqual(['a2']);
    expect(sent[1]!.body.agents).toEqual(['a1', 'a2']);
  });

  it('registers an agent once when both polls in flight find it gone: a 404 to a poll sent before it rejoined is not acted on', async () => {
    const gone: ServiceAnswer = { status: 404, body: { error: 'body.agents[1]: agent a2 is not in the fleet (register with POST /v1/agents)' } };
    let requests = 0;
    const { rejoined } = linked(() => ok({}), {
      client: {
        request: async () => {
          const n = requests++;
          // The two first polls were both in flight when a2 was found gone; the second's 404 comes
          // after the first's rejoin, and later polls wait long, so request 3 is the second loop's next.
          await new Promise((resolve) => setTimeout(resolve, n === 0 ? 5 : n === 1 ? 30 : 200));
          return n < 2 ? gone : ok({});
        },
      },
    });
    await until(() => requests >= 4, 'four requests');
    expect(rejoined).toEqual(['a2']);
  });

  it('puts the reports of a carrying poll answered 404 back in the queue, and sends them again once the agent rejoined', async () => {
    let refusedOnce = false;
    const results: Promise<unknown>[] = [];
    const reporter: { link?: AgentLink } = {};
    const { link, sent, rejoined } = linked((request) => {
      if (request.body.reports !== undefined) {
        if (!refusedOnce && !request.path.endsWith('wait=0')) {
          refusedOnce = true;
          return { status: 404, body: { error: 'body.agents[1]: agent a2 is not in the fleet' } };
        }
        return ok({ results: request.body.reports.map(() => ({ finished: { stale: false } })) });
      }
      return sent.length === 1 ? ok({ commands: [{ agent: 'a2', commands: [{ kind: 'retire' }] }] }) : ok({});
    }, {
      polls: 1,
      onCommands: (agent) => void results.push(reporter.link!.report({ agent, task: 't1', attempt: 1, finished: { ok: true, quality: 1 } })),
    });
    reporter.link = link;
    await until(() => results.length === 1, 'a report queued');
    expect(await results[0]).toEqual({ stale: false });
    expect(refusedOnce).toBe(true);
    expect(rejoined).toEqual(['a2']);
    expect(sent.filter((request) => request.body.reports?.[0]?.task === 't1')).toHaveLength(2);
  });

  it('drops an agent that cannot rejoin, and its queued reports go unanswered', async () => {
    const { link, sent } = linked((request) => (request.body.agents.includes('a2')
      ? { status: 404, body: { error: `body.agents[${request.body.agents.indexOf('a2')}]: agent a2 is not in the fleet` } }
      : ok({ results: (request.body.reports ?? []).map(() => ({ finished: { stale: false } })) })), { rejoin: () => Promise.resolve(false) });
    const result = await link.report({ agent: 'a2', task: 't1', attempt: 1, finished: { ok: true, quality: 1 } });
    expect(result).toBeUndefined();
    await until(() => !link.has('a2'), 'a2 dropped');
    const afterDrop = sent.length;
    await until(() => sent.length > afterDrop + 1, 'two polls after the drop');
    expect(sent.slice(afterDrop).every((request) => request.body.agents.join() === 'a1')).toBe(true);
  });

  it('leaves an agent removed by its owner out of every later poll, while the others go on', async () => {
    const { link, sent, commands } = linked((request) => ok({ commands: request.body.agents.map((agent) => ({ agent, commands: [] })) }));
    await until(() => sent.length >= 2, 'two polls sent');
    link.remove('a2');
    const afterRemove = sent.length;
    await until(() => sent.length > afterRemove + 3, 'four polls after the removal');
    // The polls in flight listed both; every one sent after the removal lists a1 only.
    expect(sent.slice(afterRemove).every((request) => request.body.agents.join() === 'a1')).toBe(true);
    expect(commands.some(([agent]) => agent === 'a1')).toBe(true);
  });

  it('retries while the service is unreachable, and stops the agents a poll refusal lists', async () => {
    let calls = 0;
    const { refused, retries, running } = linked(() => (++calls <= 3 ? 'unreachable' : { status: 403, body: { error: 'forbidden' } }), { polls: 1 });
    await running;
    expect(retries()).toBe(3);
    expect(refused).toEqual(['a1', 'a2']);
  });
});
