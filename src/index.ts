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
export { MetricsCollector, type CollectorOptions, type CollectorTotals } from './metrics/collector.js';
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

// Types the declarations above name, so that a user can write every one of them (test/package/publicTypes.test.ts).
export type { ProvisionJobData, ProvisionJobResult } from './distributed/agentProvisioning.js';
export type { AttemptStartReport } from './distributed/agentQueues.js';
export type { BaselineScenario, BaselineStrategy } from './experiments/baselineFile.js';
export type { CellRuns } from './experiments/cell.js';
export type { ExecuteOptions, ExecutedCell } from './experiments/experiment.js';
export type { ParsedParameter } from './experiments/grid.js';
export type { JobResult, RunDriver, RunJob } from './experiments/job.js';
export type { ShardFile } from './experiments/merge.js';
export type { DrainOptions, ExperimentPool, ExperimentPoolOptions, JobRunner, PoolOptions } from './experiments/pool.js';
export type { PoolSpan, SpanActivity } from './experiments/poolTimeline.js';
export type { RegressRow } from './experiments/regress.js';
export type {
  CellTargets, ExperimentDocumentBase, ExperimentTiming, ShardInfo, StrategyTargets, StrategyTimingEntry, TargetOutcome, TimingPart,
} from './experiments/types.js';
export type { ChartItem, WorkKind, WorkKinds } from './experiments/work.js';
export type {
  ClassBreakdown, ClassBreakdownKey, ClassDimension, ClassLedger, ClassMetrics, ClassTable, RunningClass, ShareMetrics, TaskFoldTotals, TokenTotals,
} from './metrics/classes.js';
export type { LifeTotals } from './metrics/operations.js';
export type { LatencyCdf, QueueDepthSeries } from './metrics/series.js';
export type { ClassKeys } from './metrics/summary.js';
export type { SlowdownTotals, TenantFairnessMetrics } from './metrics/tenantFairness.js';
export type {
  AgentMetrics, ClassedMetrics, DelegationMetrics, FairnessMetrics, FleetMetrics, LatencyMetrics, QualityMetrics, ScalarMetrics, TaskCountMetrics, WaitMetrics, WorkflowMetrics,
} from './metrics/types.js';
export type { ChartSpec } from './report/chartSpec.js';
export type { ChartDef, ReportDocument } from './report/charts.js';
export type { HtmlReport, RenderedChart } from './report/htmlReport.js';
export type { PageChart } from './report/page.js';
export type { ChartRendering } from './report/render.js';
export type { PathSegment } from './scenario/errors.js';
export type { ScenarioOverrides } from './scenario/normalize.js';
export type {
  ArrivalProcess, Distribution, LiveConfig, MetricTolerance, RegressPolicy, ScenarioJob, ScenarioOperation, TargetCheck, TargetPolicy, TaskTypeConfig, WorkflowNodeConfig, WorkflowSupervisorConfig, WorkflowTemplate, WorkloadConfig,
} from './scenario/types.js';
export type { CsvColumns, TraceConfig, TraceFormat, TraceFormatOptions, TraceWorkMapping } from './traces/types.js';
