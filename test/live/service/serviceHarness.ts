/**
 * A real `fleetsim serve` service for tests: built from a small scenario, listening on
 * 127.0.0.1 on a free port, reached with Node's own fetch.
 */
import { parseScenario } from '../../../src/scenario/load.js';
import { createService, type Service, type ServiceOptions } from '../../../src/live/service/app.js';

/**
 * Two identical coders (a1, a2), one reviewer (r1); heartbeat 5 s unless `live` says otherwise:
 * long enough that no stall of a loaded machine between a test's requests takes an agent out.
 */
export function scenarioText(live = 'heartbeatSeconds: 5', engine = ''): string {
  return `
name: service-test
seed: 7
agents:
  - { id: a1, capacity: 1, speed: 100, skills: { code: 1 } }
  - { id: a2, capacity: 1, speed: 100, skills: { code: 1 } }
  - { id: r1, capacity: 2, speed: 50, skills: { review: 1 } }
workload: { jobs: [{ id: unused-1, at: 0, type: code, tokens: 1 }, { id: unused-2, at: 0, type: review, tokens: 1 }] }
strategies: [least-connections]
${engine === '' ? '' : `engine: { ${engine} }`}
live: { ${live} }
`;
}

/** A response: status, parsed JSON body (or text when it is not JSON). */
export interface Answer {
  /** The HTTP status code. */
  readonly status: number;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  /** The body as text, whatever it holds. */
  readonly text: string;
  /** The `content-type` header, or null without one. */
  readonly contentType: string | null;
}

/** A running service and a client for it. */
export interface Running {
  /** The service's base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The service itself, for tests that look at its driver or context. */
  readonly service: Service;
  /**
   * Sends a request. `body`: an object is sent as JSON; a string is sent as is (with a JSON
   * content type), for malformed bodies.
   */
  request(method: string, path: string, body?: unknown, token?: string): Promise<Answer>;
  /** Closes the service (see {@link Service.close}). */
  close(): Promise<void>;
}

/** Starts a service on 127.0.0.1, port 0. */
export async function startService(text = scenarioText(), options: Omit<ServiceOptions, 'scenario'> = {}): Promise<Running> {
  const scenario = parseScenario(text, 'service-test.yaml');
  const service = await createService({ scenario, ...options });
  const address = await service.app.listen({ host: '127.0.0.1', port: 0 });
  const request = async (method: string, path: string, body?: unknown, token?: string): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${address}${path}`, {
      method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const raw = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text: raw, contentType: response.headers.get('content-type') };
  };
  return { url: address, service, request, close: () => service.close() };
}

export { eventually, sleep } from '../../support/eventually.js';

/**
 * Counts the long-polls the service opens from now on (its own `openPoll`, each counted once it
 * returned): a test waits for a poll to be open at the service, not for a fixed time.
 */
export function pollsOpened(service: Service): () => number {
  const { agents } = service.context;
  const openPoll = agents.openPoll;
  let opened = 0;
  agents.openPoll = (...args) => {
    const poll = openPoll.apply(agents, args);
    opened++;
    return poll;
  };
  return () => opened;
}

/** How {@link faultySubmissions} makes the driver fail one task's submission. */
export type SubmissionFault = 'throw' | 'drop';

/**
 * Makes the service's driver fail the submissions of some task ids as a bug would, where no
 * request can: `throw` throws a plain error (the request is a 500), `drop` returns without
 * feeding the engine (the registry never sees the task). Returns what puts the driver back.
 */
export function faultySubmissions(running: Running, faults: ReadonlyMap<string, SubmissionFault>): () => void {
  const { driver } = running.service.context;
  const submit = driver.submit;
  driver.submit = (spec) => {
    const fault = faults.get(spec.id);
    if (fault === 'throw') throw new Error(`injected fault: the submission of ${spec.id} failed`);
    if (fault === undefined) submit.call(driver, spec);
  };
  return () => {
    driver.submit = submit;
  };
}

/** Makes the service's journal fail every durability wait (a log failure) until the returned function is called. */
export function failingJournal(running: Running): () => void {
  const { journal } = running.service.context;
  const whenDurable = journal.whenDurable;
  journal.whenDurable = () => Promise.reject(new Error('injected fault: the log failed'));
  return () => {
    journal.whenDurable = whenDurable;
  };
}

/** Every task the service lists (`GET /v1/tasks`, page by page), with its state, in submission order. */
export async function listTasks(running: Running, token?: string): Promise<{ readonly id: string; readonly state: string }[]> {
  const tasks: { id: string; state: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await running.request('GET', `/v1/tasks?limit=100${cursor === undefined ? '' : `&cursor=${cursor}`}`, undefined, token);
    if (page.status !== 200) throw new Error(`GET /v1/tasks answered ${page.status}: ${page.text}`);
    tasks.push(...(page.body.tasks as { id: string; state: string }[]).map(({ id, state }) => ({ id, state })));
    cursor = page.body.next as string | undefined;
  } while (cursor !== undefined);
  return tasks;
}

/** The conservation ledger of the service's engine: every submitted task is in a final state or in flight. */
export function ledgerBalances(running: Running): boolean {
  const counts = running.service.context.driver.counts();
  return counts.completed + counts.deadLettered + counts.expired + counts.cancelled + counts.rejected + counts.inFlight === counts.submitted;
}
