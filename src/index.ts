/**
 * fleetsim's public API: what teams import to run the validated engine and strategies in their
 * own runtime, and to drive simulations programmatically. The embedding part (engine,
 * strategies, live and durable drivers) is `fleetsim/engine` (src/engineEntry.ts), re-exported
 * here whole; this entry adds scenarios, the simulator, metrics, experiments, the HTML report,
 * the scenario runner on the live driver and the agents over BullMQ.
 */
export * from './engineEntry.js';
export { loadScenario, parseScenario } from './scenario/load.js';
export type { Scenario, SimAgentConfig, AgentModel, StrategyChoice } from './scenario/types.js';
export { runSimulation, type RunOptions, type RunResult, type RunTiming } from './sim/simulation.js';
export { DecisionTimer, type DecisionTiming } from './sim/decisionTimer.js';
export { runExperiment, runScenario, runResultOf, type ExperimentResult, type StrategyResult, type StrategyTiming } from './experiments/runResult.js';
export type { RunMetrics, Summary } from './metrics/types.js';
export { MetricsCollector, type CollectorOptions } from './metrics/collector.js';
export { SeriesCollector, type RunSeries, type SeriesEntry, type SeriesOptions } from './metrics/series.js';
export { writeHtmlReport, buildHtmlReport } from './report/htmlReport.js';
export type { HtmlReportOptions } from './report/htmlReport.js';
export { summarize } from './metrics/summary.js';
export { gini, jain } from './metrics/inequality.js';
export { runCells, executeCells, type ExperimentRequest, type ExperimentProgress } from './experiments/experiment.js';
export { buildCells, parseParameters, type GridCell } from './experiments/grid.js';
export { pairedDifference } from './experiments/paired.js';
export { mergeShards } from './experiments/merge.js';
export { judgeScenario, type ScenarioVerdict, type Verdict } from './experiments/regress.js';
export type {
  ExperimentDocument, CompareDocument, SweepDocument, CellResult, StrategyOutcome, Leaderboard, LeaderboardEntry,
  PairedDifference, MetricInfo, Better, GridParameter, ParamValue,
} from './experiments/types.js';
export { METRIC_TABLE, metricInfo } from './metrics/directions.js';
export { EmulatedAgents, type EmulatedAgentsOptions } from './live/emulatedAgents.js';
export { runLive, type LiveRunOptions } from './live/runLive.js';
export { VirtualTimeConnector, type VirtualTimeConnectorOptions } from './live/virtualTimeConnector.js';
export { FleetNames } from './sim/fleetNames.js';
export type { BullmqAgentConnector, BullmqConnectorOptions } from './distributed/bullmqConnector.js';
export type { AgentAttempt, AgentHandler, AgentHandlers, AgentOffer, AgentWorker, AgentWorkerOptions, AttemptRef } from './distributed/agentWorker.js';
export type { ProvisionHandler, ProvisionRequest, Provisioner, ProvisionerOptions } from './distributed/agentProvisioning.js';
export { runAgentWorker, runProvisioner, createBullmqConnector } from './distributed/libraryEntry.js';
export { AGENT_QUEUE_PREFIX, attemptJobId, parseAttemptJobId, type AttemptJobData, type AttemptJobResult } from './distributed/agentQueues.js';
