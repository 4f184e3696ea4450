/**
 * `fleetsim/engine`: what a team needs to run the validated engine and strategies in its own
 * service, and nothing of the simulator, the experiments or the reports. The engine (create,
 * restore, snapshot; its inputs, commands and events; event sinks), every strategy and their
 * registry, the live driver with its clocks and connector contract, the durable driver with its
 * journals and write-ahead log, and `verifyDataDir`. Its modules load no charting, command-line,
 * worker-pool, CSV or HTTP-server package, and its type declarations name none of theirs, so a
 * project type-checks it under any strictness (`exactOptionalPropertyTypes`, no `skipLibCheck`).
 * The package's main entry, `fleetsim`, re-exports all of it and adds the rest.
 */
export { Engine, createEngine, type EngineOptions, type RouteProbe, type TaskCounts } from './engine/engine.js';
export { restoreEngine } from './engine/snapshot.js';
export type {
  EngineSnapshot, TaskSnapshot, AgentSnapshot, TimerSnapshot, AutoscalerSnapshot, JsonNumber, PendingTimer, OpenAttempt, OpenOffer, PendingProvision,
} from './engine/snapshotFormat.js';
export type { TenantCountersSnapshot } from './engine/tenantCounters.js';
export type { TimerKind } from './engine/timers.js';
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
export type {
  Command, EngineEvent, EngineInput, Outcome, StartReport, AgentReport, TaskTransitionEvent, OfferAnswer, AdminOperation,
} from './engine/messages.js';
export { isEligible, type Strategy, type DecisionContext, type FleetView, type Binding, type ContextToLoad, type StealRules } from './engine/strategy.js';
export type { QueueOrder } from './engine/taskQueue.js';
export { EventObjects, TeeSink, replayEvent, type EventSink } from './engine/eventSink.js';
export { eventRecord, type EventRecord } from './engine/eventRecord.js';
export { STRATEGIES, findStrategy, strategyNames, defineStrategy, type StrategyDefinition } from './strategies/index.js';
// The durable driver refuses a damaged or locked data directory with an InputError.
export { InputError, isInputError } from './scenario/errors.js';
export { ManualClock, RealClock, type Clock, type TimerHandle, type RealClockOptions } from './live/clock.js';
export type { AgentConnector, AttemptContext, RunContext, OfferContext, OfferResponse, ProvisionContext, CommandOf } from './live/connector.js';
export {
  LiveDriver, LiveDriverError, createLiveDriver, DEFAULT_LIVE_LIMITS,
  type LiveDriverOptions, type LiveDriverLimits, type LiveCounts, type StopOptions, type LiveDriverState, type LiveDriverErrorCode,
} from './live/driver.js';
export { MemoryJournal, type Journal } from './live/journal.js';
export {
  FileJournal, readWalFile, type FileJournalOptions, type JournalStats, type WalFileContents, type GroupCommitTiming, type SegmentHeader, type PacingTimer,
} from './live/wal.js';
export type { PreallocationStats } from './live/walPreallocation.js';
export type { WalEntry, WalHeader } from './live/walFormat.js';
export { openDurableDriver, type DurableDriver, type DurableDriverOptions, type RecoveryReport } from './live/durableDriver.js';
export { verifyDataDir, type DataDirReport } from './live/verifyDataDir.js';
export { EpochClock } from './live/epochClock.js';
export type { ProvisionBookState } from './live/provisionBook.js';
