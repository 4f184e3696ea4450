/** The reader of each trace format. */
import type { InputError } from '../scenario/errors.js';
import { rowError } from './rowError.js';
import type { TraceConfig, TraceRowReader } from './types.js';
import { AzureReader } from './formats/azure.js';
import { BurstGptReader } from './formats/burstgpt.js';
import { CsvReader } from './formats/csv.js';
import { FleetsimEventsReader } from './formats/fleetsimEvents.js';
import { MooncakeReader } from './formats/mooncake.js';

/**
 * Opens `config.file` with the reader of `config.format`; the reader closes its file when a row
 * is refused (a refused trace, in a process that goes on, must not keep its file open).
 */
export function openTraceReader(config: Pick<TraceConfig, 'file' | 'fileAsWritten' | 'format' | 'columns' | 'timeUnitSeconds' | 'blockTokens' | 'strategy' | 'replication'>): TraceRowReader {
  const reader = openFormatReader(config);
  return {
    next: () => {
      try {
        return reader.next();
      } catch (error) {
        reader.close();
        throw error;
      }
    },
    close: () => reader.close(),
  };
}

function openFormatReader(config: Parameters<typeof openTraceReader>[0]): TraceRowReader {
  const { file, fileAsWritten: name } = config;
  switch (config.format) {
    case 'azure-llm':
      return new AzureReader(file, name);
    case 'mooncake':
      return new MooncakeReader(file, name, config.blockTokens);
    case 'burstgpt':
      return new BurstGptReader(file, name);
    case 'fleetsim-events':
      return new FleetsimEventsReader(file, name, { strategy: config.strategy, replication: config.replication });
    case 'csv':
      if (config.columns === undefined) throw new Error('csv trace without columns (the scenario parser requires them)');
      return new CsvReader(file, name, config.columns, config.timeUnitSeconds);
    default: {
      const unreachable: never = config.format;
      throw new Error(`unknown trace format ${String(unreachable)}`);
    }
  }
}

/** The column (or JSON field) holding a row's time in a trace of `config.format`, as the file names it. */
export function timeColumn(config: Pick<TraceConfig, 'format' | 'columns'>): string {
  switch (config.format) {
    case 'azure-llm':
      return 'TIMESTAMP';
    case 'mooncake':
      return 'timestamp';
    case 'burstgpt':
      return 'Timestamp';
    case 'fleetsim-events':
      return 'time';
    case 'csv':
      return config.columns?.time ?? 'time';
  }
}

/** The error of a row at `line` whose time, `seconds` from the trace's origin, is before an earlier row's. */
export function timeBackwardsError(config: Pick<TraceConfig, 'fileAsWritten' | 'format' | 'columns'>, line: number, seconds: number, earlierSeconds: number): InputError {
  return rowError(config.fileAsWritten, line, timeColumn(config), `timestamps must not go backwards: ${seconds} s after ${earlierSeconds} s on an earlier row`);
}
