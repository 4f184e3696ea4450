/**
 * fleetsim's public API: what teams import to run the validated engine and strategies in their
 * own runtime, and to drive simulations programmatically.
 */
export { Engine, createEngine, type EngineOptions, type RouteProbe, type TaskCounts } from './engine/engine.js';
export { restoreEngine } from './engine/snapshot.js';
export type {
  EngineSnapshot, TaskSnapshot, AgentSnapshot, TimerSnapshot, AutoscalerSnapshot, JsonNumber, PendingTimer, OpenAttempt, OpenOffer, PendingProvision,
} from './engine/snapshotFormat.js';
export type { TenantCountersSnapshot } from './engine/tenantCounters.js';
export {
  defaultEngineConfig, type EngineConfig, type OverflowPolicy, type AutoscalerConfig, type ClaimRule, type DelegationMode, type PreemptionRule,
} from './engine/config.js';
export { TRANSITIONS, canTransition, assertTransition, IllegalTransitionError } from './engine/lifecycle.js';
export { hasFreeSlot, skillFor, type AgentSpec, type AgentView } from './engine/agent.js';
export {
  PRIORITY_CRITICAL, PRIORITY_BACKLOG, PRIORITY_LEVELS, isFinal,
  type TaskSpec, type TaskView, type TaskState, type FinalTaskState, type FailureReason, type TaskId, type AgentId,
  type DependencyFailurePolicy, type RejectionReason,
} from './engine/task.js';
export type { Command, EngineEvent, EngineInput, Outcome, StartReport, AgentReport, TaskTransitionEvent } from './engine/messages.js';
export { isEligible, type Strategy, type DecisionContext, type FleetView, type Binding, type ContextToLoad, type StealRules } from './engine/strategy.js';
export type { QueueOrder } from './engine/taskQueue.js';
export { EventObjects, TeeSink, replayEvent, type EventSink } from './engine/eventSink.js';
export { eventRecord, type EventRecord } from './engine/eventRecord.js';
export { STRATEGIES, findStrategy, strategyNames, defineStrategy, type StrategyDefinition } from './strategies/index.js';
export { loadScenario, parseScenario } from './scenario/load.js';
export { InputError, isInputError } from './scenario/errors.js';
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
export type { OfferAnswer, AdminOperation } from './engine/messages.js';
export { ManualClock, RealClock, type Clock, type TimerHandle, type RealClockOptions } from './live/clock.js';
export type { AgentConnector, AttemptContext, RunContext, OfferContext, OfferResponse, ProvisionContext, CommandOf } from './live/connector.js';
export {
  LiveDriver, LiveDriverError, createLiveDriver, DEFAULT_LIVE_LIMITS,
  type LiveDriverOptions, type LiveDriverLimits, type LiveCounts, type StopOptions, type LiveDriverState, type LiveDriverErrorCode,
} from './live/driver.js';
export { EmulatedAgents, type EmulatedAgentsOptions } from './live/emulatedAgents.js';
export { runLive, type LiveRunOptions } from './live/runLive.js';
export { VirtualTimeConnector, type VirtualTimeConnectorOptions } from './live/virtualTimeConnector.js';
export { MemoryJournal, type Journal } from './live/journal.js';
export {
  FileJournal, readWalFile, type FileJournalOptions, type JournalStats, type WalFileContents, type GroupCommitTiming, type SegmentHeader,
} from './live/wal.js';
export type { WalEntry, WalHeader } from './live/walFormat.js';
export { openDurableDriver, type DurableDriver, type DurableDriverOptions, type RecoveryReport } from './live/durableDriver.js';
export { verifyDataDir, type DataDirReport } from './live/verifyDataDir.js';
export { EpochClock } from './live/epochClock.js';
export { FleetNames } from './sim/fleetNames.js';
export type { BullmqAgentConnector, BullmqConnectorOptions } from './distributed/bullmqConnector.js';
export type { AgentAttempt, AgentHandler, AgentHandlers, AgentOffer, AgentWorker, AgentWorkerOptions, AttemptRef } from './distributed/agentWorker.js';
export type { ProvisionHandler, ProvisionRequest, Provisioner, ProvisionerOptions } from './distributed/agentProvisioning.js';
export { runAgentWorker, runProvisioner, createBullmqConnector } from './distributed/libraryEntry.js';
export { AGENT_QUEUE_PREFIX, attemptJobId, parseAttemptJobId, type AttemptJobData, type AttemptJobResult } from './distributed/agentQueues.js';
