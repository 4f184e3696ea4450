/** `fleetsim schema` prints the JSON Schema shipped as schema/scenario.schema.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './runCli.js';

describe('fleetsim schema', () => {
  it('prints the shipped JSON Schema of scenario files', () => {
    const run = runCli('schema');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(readFileSync(join(ROOT, 'schema/scenario.schema.json'), 'utf8'));
    expect(JSON.parse(run.stdout)).toMatchObject({ title: 'fleetsim scenario', type: 'object', required: expect.arrayContaining(['name', 'agents', 'workload', 'strategies']) });
  });
});
