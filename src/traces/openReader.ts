/** The reader of each trace format. */
import type { TraceConfig, TraceRowReader } from './types.js';
import { AzureReader } from './formats/azure.js';
import { BurstGptReader } from './formats/burstgpt.js';
import { CsvReader } from './formats/csv.js';
import { FleetsimEventsReader } from './formats/fleetsimEvents.js';
import { MooncakeReader } from './formats/mooncake.js';

/** Opens `config.file` with the reader of `config.format`. */
export function openTraceReader(config: Pick<TraceConfig, 'file' | 'fileAsWritten' | 'format' | 'columns' | 'timeUnitSeconds' | 'blockTokens' | 'strategy' | 'replication'>): TraceRowReader {
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
