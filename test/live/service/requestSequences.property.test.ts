/**
 * Property: whatever sequence of requests clients send (submissions, resubmissions, cancels,
 * registrations, polls, start and finish reports for real, replayed or made-up attempts, offer
 * answers, operators' actions, bad bodies), the service never fails (no 5xx), the conservation ledger holds after
 * every request (submitted = the five finals + in flight), and no task completes twice. And
 * whatever provisioners of an autoscaled pool do (polls under three names renewing any requests
 * seen, answers to any of them, leases running out) across restarts: no 5xx, no request brings
 * two agents, and a request handed out and not answered is still pending after a restart, under
 * its id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scenarioText, sleep, startService, type Answer, type Running } from './serviceHarness.js';

const TASKS = ['t0', 't1', 't2', 't3', 't4'];
const AGENTS = ['a1', 'a2', 'r1'];

type Step =
  | { readonly kind: 'submit'; readonly id: string; readonly type: string; readonly tokens: number }
  | { readonly kind: 'cancel'; readonly id: string }
  | { readonly kind: 'register'; readonly agent: string }
  | { readonly kind: 'poll'; readonly agent: string }
  | { readonly kind: 'started'; readonly pick: number; readonly agent: string; readonly task: string; readonly attempt: number }
  | { readonly kind: 'finished'; readonly pick: number; readonly agent: string; readonly task: string; readonly attempt: number; readonly ok: boolean }
  | { readonly kind: 'answer'; readonly pick: number; readonly accept: boolean }
  | { readonly kind: 'admin'; readonly body: object }
  | { readonly kind: 'restart' }
  | { readonly kind: 'bad'; readonly path: string; readonly body: string };

const agent = fc.constantFrom(...AGENTS);
const task = fc.constantFrom(...TASKS);
// Weighted towards the steps that move tasks along, so that sequences complete, retry and replay.
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('submit' as const), id: task, type: fc.constantFrom('code', 'review'), tokens: fc.constantFrom(1, 2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), id: task }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('register' as const), agent }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('poll' as const), agent }) },
  // `pick` < 0: a made-up attempt; else the pick-th latest start handed out (maybe stale by now).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('started' as const), pick: fc.integer({ min: -1, max: 8 }), agent, task, attempt: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('finished' as const), pick: fc.integer({ min: -1, max: 8 }), agent, task, attempt: fc.integer({ min: 1, max: 3 }), ok: fc.oneof(fc.constant(true), fc.boolean()) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('answer' as const), pick: fc.integer({ min: 0, max: 8 }), accept: fc.oneof(fc.constant(true), fc.boolean()) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('admin' as const),
      body: fc.oneof(
        fc.record({ op: fc.constantFrom('drain', 'remove'), agentId: agent }),
        fc.record({ op: fc.constantFrom('pause-type', 'resume-type'), type: fc.constantFrom('code', 'review') }),
        fc.record({ op: fc.constantFrom('pause', 'resume'), taskId: task }),
        fc.record({ op: fc.constant('set-priority'), taskId: task, priority: fc.integer({ min: 0, max: 4 }) }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant('bad' as const),
    path: fc.constantFrom('/v1/tasks', '/v1/agents', '/v1/admin', '/v1/agents/a1/attempts/t0/1/finished', '/v1/agents/a1/offers/o1'),
    body: fc.constantFrom('{', '[]', '{"type":7}', '{"id":"t0","type":"code","extra":1}', '{"ok":true,"quality":2}', 'null', '{"accept":"yes"}', `{"id":"${'x'.repeat(300)}"}`),
  }) },
);

interface Handed {
  readonly agent: string;
  readonly task: string;
  readonly attempt: number;
}

async function apply(running: Running, s: Step, starts: Handed[], offers: { agent: string; offerId: string }[]): Promise<Answer> {
  switch (s.kind) {
    case 'submit':
      return running.request('POST', '/v1/tasks', { id: s.id, type: s.type, tokens: s.tokens });
    case 'cancel':
      return running.request('DELETE', `/v1/tasks/${s.id}`);
    case 'register':
      return running.request('POST', '/v1/agents', { id: s.agent });
    case 'poll': {
      const answer = await running.request('POST', `/v1/agents/${s.agent}/poll`);
      for (const command of (answer.body?.commands ?? []) as { kind: string; task?: { id: string }; attempt?: number; offerId?: string }[]) {
        if (command.kind === 'start') starts.push({ agent: s.agent, task: command.task!.id, attempt: command.attempt! });
        if (command.kind === 'offer') offers.push({ agent: s.agent, offerId: command.offerId! });
      }
      return answer;
    }
    case 'started':
    case 'finished': {
      // Counted from the latest: recent starts are the ones most likely still running.
      const handed = s.pick >= 0 ? starts[starts.length - 1 - (s.pick % Math.max(1, starts.length))] : undefined;
      const target = handed ?? { agent: s.agent, task: s.task, attempt: s.attempt };
      const path = `/v1/agents/${target.agent}/attempts/${target.task}/${target.attempt}/${s.kind}`;
      return running.request('POST', path, s.kind === 'started' ? {} : (s.ok ? { ok: true } : { ok: false, reason: 'agent-error' }));
    }
    case 'answer': {
      const offer = offers[offers.length - 1 - (s.pick % Math.max(1, offers.length))];
      if (offer === undefined) return running.request('GET', '/healthz');
      return running.request('POST', `/v1/agents/${offer.agent}/offers/${offer.offerId}`, { accept: s.accept });
    }
    case 'admin':
      return running.request('POST', '/v1/admin', s.body);
    case 'restart':
      throw new Error('a restart is the caller\'s');
    case 'bad':
      return running.request('POST', s.path, s.body);
    default: {
      const unreachable: never = s;
      throw new Error(`unknown step ${JSON.stringify(unreachable)}`);
    }
  }
}

/** What the sequences exercised, so that a generator gone blind fails the test. */
interface Coverage {
  completed: number;
  stale: number;
  refused: number;
}

function checkInvariants(running: Running, answer: Answer, s: Step, coverage: Coverage): void {
  if (answer.body?.stale === true) coverage.stale++;
  if (answer.status >= 400 && answer.status < 500) coverage.refused++;
  expect(answer.status, `${JSON.stringify(s)} → ${answer.text}`).toBeLessThan(500);
  if (answer.status >= 400) expect(typeof answer.body.error).toBe('string');
  const counts = running.service.context.driver.counts();
  expect(counts.completed + counts.deadLettered + counts.expired + counts.cancelled + counts.rejected + counts.inFlight).toBe(counts.submitted);
  for (const id of TASKS) {
    const entry = running.service.context.tasks.get(id);
    if (entry === undefined) continue;
    expect(entry.history.filter((event) => event.to === 'completed').length).toBeLessThanOrEqual(1);
  }
  let completed = 0;
  for (const id of TASKS) if (running.service.context.tasks.get(id)?.state === 'completed') completed++;
  expect(counts.completed).toBe(completed);
}

describe('request sequences', () => {
  it('keep the ledger across restarts on a data directory, lose no acknowledged task and complete none twice', async () => {
    const coverage: Coverage = { completed: 0, stale: 0, refused: 0 };
    const withRestarts = fc.oneof({ weight: 12, arbitrary: step }, { weight: 1, arbitrary: fc.constant<Step>({ kind: 'restart' }) });
    const text = scenarioText('heartbeatSeconds: 60, historyEvents: 1000', 'retry: { backoff: { base: 0, jitter: 0 } }');
    let restarts = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(withRestarts, { minLength: 10, maxLength: 40, size: 'max' }), async (steps) => {
        const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-sequences-'));
        let running = await startService(text, { dataDir, fsync: false });
        try {
          let starts: Handed[] = [];
          let offers: { agent: string; offerId: string }[] = [];
          const acknowledged = new Set<string>();
          for (const id of AGENTS.slice(0, 2)) await running.request('POST', '/v1/agents', { id });
          for (const s of steps) {
            if (s.kind === 'restart') {
              await running.close();
              running = await startService(text, { dataDir, fsync: false });
              restarts++;
              // Handed-out starts and offers are re-delivered; what the old process handed out is history.
              starts = [];
              offers = [];
              for (const id of acknowledged) expect((await running.request('GET', `/v1/tasks/${id}`)).status, id).toBe(200);
              continue;
            }
            const answer = await apply(running, s, starts, offers);
            if (s.kind === 'submit' && (answer.status === 200 || answer.status === 201)) acknowledged.add(s.id);
            checkInvariants(running, answer, s, coverage);
          }
          coverage.completed += running.service.context.driver.counts().completed;
        } finally {
          await running.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      }),
      { numRuns: 25, seed: 5 },
    );
    expect(restarts).toBeGreaterThanOrEqual(5);
    expect(coverage.completed).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it.each([
    // Retries without backoff: a failed attempt is retried at once, within the sequence.
    ['assign', 'retry: { backoff: { base: 0, jitter: 0 } }'],
    ['offer', 'retry: { backoff: { base: 0, jitter: 0 } }, delegation: { mode: offer }'],
  ])('keep the ledger, complete no task twice and count every report answered stale (%s delegation)', async (_mode, engine) => {
    const coverage: Coverage = { completed: 0, stale: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 40, size: 'max' }), async (steps) => {
        const running = await startService(scenarioText('heartbeatSeconds: 60, historyEvents: 1000', engine));
        try {
          const starts: Handed[] = [];
          const offers: { agent: string; offerId: string }[] = [];
          for (const id of AGENTS.slice(0, 2)) await running.request('POST', '/v1/agents', { id });
          // Every report answered stale is counted by kind, and nothing else is.
          const staleAnswered = { started: 0, finished: 0, offerAnswers: 0 };
          for (const s of steps) {
            const answer = await apply(running, s, starts, offers);
            checkInvariants(running, answer, s, coverage);
            if (answer.body?.stale === true) staleAnswered[s.kind === 'answer' ? 'offerAnswers' : s.kind as 'started' | 'finished']++;
            expect(running.service.context.agents.stats().staleReports).toEqual(staleAnswered);
          }
          coverage.completed += running.service.context.driver.counts().completed;
        } finally {
          await running.close();
        }
      }),
      { numRuns: 40, seed: 11 },
    );
    expect(coverage.completed).toBeGreaterThanOrEqual(3);
    expect(coverage.stale).toBeGreaterThanOrEqual(3);
    expect(coverage.refused).toBeGreaterThanOrEqual(3);
  }, 120_000);

  type ProvisionStep =
    | { readonly kind: 'job' }
    | { readonly kind: 'poll'; readonly provisioner: string; readonly renew: readonly number[] }
    | { readonly kind: 'answer'; readonly pick: number }
    | { readonly kind: 'wait' }
    | { readonly kind: 'restart' };
  const provisionStep: fc.Arbitrary<ProvisionStep> = fc.oneof(
    { weight: 2, arbitrary: fc.constant<ProvisionStep>({ kind: 'job' }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('poll' as const), provisioner: fc.constantFrom('p1', 'p2', 'p3'), renew: fc.uniqueArray(fc.nat(7), { maxLength: 3 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('answer' as const), pick: fc.nat(7) }) },
    { weight: 2, arbitrary: fc.constant<ProvisionStep>({ kind: 'wait' }) },
    { weight: 1, arbitrary: fc.constant<ProvisionStep>({ kind: 'restart' }) },
  );

  it('of provisioners across restarts: no request brings two agents, and one not answered keeps its id', async () => {
    // Pool burst: no agent of it registers, so the autoscaler asks at once, and again (up to 3) as jobs wait.
    const text = `
name: provision-sequences
seed: 3
agents: [{ pool: burst, count: 1, capacity: 1, speed: 40, skills: { job: 1 } }]
engine:
  autoscale: [{ pool: burst, min: 1, max: 3, scaleUpUtilization: 0.5, scaleDownUtilization: 0, cooldown: 0.05, interval: 0.05, coldStart: 30 }]
workload: { jobs: [{ id: unused, at: 0, type: job, tokens: 1 }] }
strategies: [least-connections]
live: { heartbeatSeconds: 60 }
`;
    const options = { fsync: false, provisionLeaseSeconds: 0.05 };
    const coverage = { answeredAfterRestart: 0, gone: 0, handedOutAgain: 0, restartsPending: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(provisionStep, { minLength: 5, maxLength: 25, size: 'max' }), async (steps) => {
        const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-provision-sequences-'));
        let running = await startService(text, { dataDir, ...options });
        try {
          /** Ids handed out, in order; those answered (201), with the restarts seen since each was handed out. */
          const seen: string[] = [];
          const answered = new Set<string>();
          const restartsSince = new Map<string, number>();
          let jobs = 0;
          let agents = 0;
          for (const s of steps) {
            let answer: Answer;
            switch (s.kind) {
              case 'job':
                answer = await running.request('POST', '/v1/tasks', { id: `job-${jobs++}`, type: 'job', tokens: 100 });
                break;
              case 'poll': {
                const renew = s.renew.flatMap((i) => (seen[i] === undefined ? [] : [seen[i]!]));
                answer = await running.request('POST', '/v1/pools/burst/poll?wait=0.1', { provisioner: s.provisioner, renew });
                for (const request of answer.body.requests as { provisionId: string; delivery: number }[]) {
                  expect(answered.has(request.provisionId)).toBe(false);
                  if (seen.includes(request.provisionId)) coverage.handedOutAgain++;
                  else {
                    seen.push(request.provisionId);
                    restartsSince.set(request.provisionId, 0);
                  }
                }
                // Answered ones are gone for everyone.
                for (const id of renew) if (answered.has(id)) expect(answer.body.gone).toContain(id);
                coverage.gone += answer.body.gone.length;
                break;
              }
              case 'answer': {
                const id = seen[s.pick % Math.max(1, seen.length)];
                if (id === undefined) continue;
                answer = await running.request('POST', '/v1/agents', { id: `burst-${++agents}`, tokensPerSecond: 40, provisionId: id });
                expect([201, 410], answer.text).toContain(answer.status);
                expect(answer.status === 201).toBe(!answered.has(id));
                if (answer.status === 201) {
                  answered.add(id);
                  if (restartsSince.get(id)! > 0) coverage.answeredAfterRestart++;
                }
                break;
              }
              case 'wait':
                await sleep(60);
                continue;
              case 'restart': {
                await running.close();
                running = await startService(text, { dataDir, ...options });
                for (const id of seen) {
                  restartsSince.set(id, restartsSince.get(id)! + 1);
                  // Handed out, not answered: the engine still waits for it, under the same id.
                  if (!answered.has(id)) {
                    expect(running.service.context.agents.provisions.claim(id).kind, id).toBe('pending');
                    coverage.restartsPending++;
                  }
                }
                continue;
              }
              default: {
                const unreachable: never = s;
                throw new Error(`unknown step ${JSON.stringify(unreachable)}`);
              }
            }
            expect(answer.status, `${JSON.stringify(s)} → ${answer.text}`).toBeLessThan(500);
          }
          // One agent per answered request, and no other agent of the pool.
          const pool = running.service.context.driver.engine.agents.filter((agent) => agent.spec.pool === 'burst');
          expect(pool).toHaveLength(answered.size);
        } finally {
          await running.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      }),
      { numRuns: 20, seed: 20261207 },
    );
    expect(coverage.answeredAfterRestart).toBeGreaterThanOrEqual(3);
    expect(coverage.restartsPending).toBeGreaterThanOrEqual(3);
    expect(coverage.gone).toBeGreaterThanOrEqual(3);
    expect(coverage.handedOutAgain).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
