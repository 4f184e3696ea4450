/**
 * `fleetsim agents <scenario> --url URL`: the scenario's agents as HTTP clients of a
 * `fleetsim serve` (src/live/clients/agentsClient.ts, docs/LIVE.md "Emulated agents and load").
 * Runs until SIGINT or SIGTERM (or until every agent retired or gave up, and the provisioners of
 * the autoscaled pools were refused), then prints a one-line summary.
 */
import { InputError, didYouMean } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import { AgentsClient, UnknownAgentError, type AgentsSummary } from '../live/clients/agentsClient.js';
import { onStopSignal, parseProvisionerName, parseServiceUrl, parseSpeedup, parseToken } from './clientFlags.js';

/** Flags of `agents`. */
export interface AgentsArgs {
  /** The scenario whose agents to run. */
  scenario: string;
  /** `--url`: the service's base URL. */
  url: string;
  /** `--token`: the bearer token to send, when the service checks tokens. */
  token?: string;
  /** `--speedup`: K, service and offer response times divided by K, speeds multiplied by K. */
  speedup: number;
  /** `--only`: comma-separated ids of the scenario's agents to run (default: all). */
  only?: string;
  /** `--provision` (default true; `--no-provision`): start the agents the service asks for in autoscaled pools. */
  provision?: boolean;
  /** `--provisioner-name`: the name the pools' provisioners give the service (default `<host>-<pid>`). */
  provisionerName?: string;
}

/** `fleetsim agents`: resolves with true unless an agent gave up (a refusal it cannot act on). */
export async function agentsCommand(args: AgentsArgs, write: (text: string) => void = (text) => { process.stdout.write(text); }): Promise<boolean> {
  const url = parseServiceUrl(args.url);
  const speedup = parseSpeedup(args.speedup);
  const scenario = loadScenario(args.scenario);
  const only = args.only === undefined ? undefined : args.only.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (only !== undefined && only.length === 0) throw new InputError('command line', '--only', 'expected comma-separated agent ids');
  const provisionerName = args.provisionerName === undefined ? undefined : parseProvisionerName(args.provisionerName);
  let client: AgentsClient;
  try {
    client = new AgentsClient({
      scenario, url, speedup,
      ...(args.token === undefined ? {} : { token: parseToken(args.token) }),
      ...(only === undefined ? {} : { only }),
      ...(args.provision === false ? { provision: false } : {}),
      ...(provisionerName === undefined ? {} : { provisionerName }),
      log: (line) => process.stderr.write(`fleetsim agents: ${line}\n`),
    });
  } catch (error) {
    if (error instanceof UnknownAgentError) {
      throw new InputError('command line', '--only', `${args.scenario} has no agent ${error.id}${didYouMean(error.id, error.known)}`);
    }
    throw error;
  }
  // Announced once a stop signal is handled: a supervisor that signals on seeing the line stops it cleanly.
  const release = onStopSignal(() => client.stop());
  const pools = client.provisioners.length === 0 ? '' : `, provisioning ${client.provisioners.length === 1 ? 'pool' : 'pools'} ${Object.keys(scenario.coldStartSeconds).join(', ')}`;
  write(`fleetsim agents: ${client.summary.agents} agents polling ${url} (speedup ${speedup})${pools}\n`);
  const summary = await client.run();
  release();
  write(`${agentsSummaryLine(summary)}\n`);
  return summary.gaveUp === 0;
}

/** The one-line summary printed on exit. */
export function agentsSummaryLine(s: AgentsSummary): string {
  return `fleetsim agents: ${s.agents} agents, ${s.started} attempts started, ${s.completed} completed, ${s.failed} failed, ${s.aborted} aborted, `
    + `${s.offersAnswered} offers answered, ${s.duplicateStarts} re-delivered starts ignored, ${s.resentResults} results re-sent, `
    + `${s.staleReports} stale reports, ${s.reregistrations} re-registrations (${s.dropped} attempts dropped), `
    + `${s.retries} retries, ${s.retired} retired, ${s.gaveUp} gave up, ${s.provisioned} provisioned (${s.provisionsRefused} refused)`;
}
