/**
 * Micro-benchmark of the service's routes on a task's path, for instruction counts: one process
 * runs the service (`createService`, no data directory) on a local port and a client on one
 * keep-alive connection (Node's `http`) that drives a fixed sequence of rounds through it, one request at a time, so that a build's
 * cost is read under callgrind, which a machine shared with other work does not disturb:
 *
 * ```text
 * valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *   node --single-threaded dist/bench/serviceRoutes.js [--rounds N] [--mode batched|single] [--from DIST]
 * ```
 *
 * Each round submits 20 tasks, polls agent `a1` (`POST /v1/agents/a1/poll`) until it holds their
 * 20 starts, and reports them started and finished: *batched*, the submissions in one
 * `POST /v1/tasks/batch` and the reports in one `POST /v1/agents/a1/reports`; *single*, one
 * `POST /v1/tasks` per task and one `…/started` and `…/finished` per attempt. The client's work
 * is counted too and is the same for every build; the difference between `--rounds N` and
 * `--rounds 10` is the cost of N − 10 rounds. `--from DIST` runs the service of another build
 * (its `dist` directory) for A/B. The sequence is fixed, but how many polls a round takes
 * depends on timing: the count varies a little from run to run.
 */
import { Agent, request } from 'node:http';
import type { Scenario } from '../src/scenario/types.js';
import type { Service, ServiceOptions } from '../src/live/service/app.js';

/** Tasks per round. */
const TASKS_PER_ROUND = 20;

const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const rounds = Number(flag('--rounds') ?? 500);
const mode = flag('--mode') ?? 'batched';
if (!Number.isSafeInteger(rounds) || rounds < 1 || (mode !== 'batched' && mode !== 'single')) {
  process.stderr.write(`--rounds takes a positive integer and --mode batched or single, got ${flag('--rounds') ?? '500'} and ${mode}\n`);
  process.exit(2);
}
const fromDist = flag('--from');

/** A module of this build, or of the build at `--from`. */
async function load<T>(path: string): Promise<T> {
  return (await import(fromDist === undefined ? `../src/${path}` : `file://${fromDist}/src/${path}`)) as T;
}

const { parseScenario } = await load<{ parseScenario: (text: string, file: string) => Scenario }>('scenario/load.js');
const { createService } = await load<{ createService: (options: ServiceOptions) => Promise<Service> }>('live/service/app.js');

const scenario = parseScenario(`
name: service-routes
seed: 7
agents:
  - { id: a1, capacity: ${TASKS_PER_ROUND}, speed: 100, skills: { job: 1 } }
workload: { jobs: [{ id: unused, at: 0, type: job, tokens: 1 }] }
strategies: [least-connections]
live: { heartbeatSeconds: 30 }
`, 'service-routes.yaml');
const service = await createService({ scenario });
const url = await service.app.listen({ host: '127.0.0.1', port: 0 });

/** One keep-alive connection, and Node's own HTTP client: fetch's streams would cost the client several times what the service spends. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** Posts `body` as JSON; the answer's parsed body (a status other than 200 or 201 is fatal). */
function post(path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the answers' JSON
  return new Promise((resolve, reject) => {
    const sent = request(`${url}${path}`, { method: 'POST', agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200 && response.statusCode !== 201) reject(new Error(`${path}: ${response.statusCode} ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    sent.on('error', reject);
    sent.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

await post('/v1/agents', { id: 'a1' });
let polls = 0;
for (let round = 0; round < rounds; round++) {
  const ids = Array.from({ length: TASKS_PER_ROUND }, (_, i) => `r${round}-${i}`);
  if (mode === 'batched') await post('/v1/tasks/batch', { tasks: ids.map((id) => ({ id, type: 'job', tokens: 100 })) });
  else for (const id of ids) await post('/v1/tasks', { id, type: 'job', tokens: 100 });
  let started = 0;
  while (started < TASKS_PER_ROUND) {
    polls++;
    const { commands } = await post('/v1/agents/a1/poll?wait=1');
    started += (commands as { kind: string }[]).filter((command) => command.kind === 'start').length;
  }
  if (mode === 'batched') await post('/v1/agents/a1/reports', { reports: ids.map((task) => ({ task, attempt: 1, started: {}, finished: { ok: true } })) });
  else {
    for (const id of ids) {
      await post(`/v1/agents/a1/attempts/${id}/1/started`, {});
      await post(`/v1/agents/a1/attempts/${id}/1/finished`, { ok: true });
    }
  }
}
const counts = service.context.driver.counts();
agent.destroy();
await service.close();
process.stdout.write(`${rounds} rounds (${mode}): ${counts.completed} tasks completed, ${polls} polls\n`);
