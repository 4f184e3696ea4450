/**
 * Real `redis-server` processes for the tests that use Redis (test/support/redisProcess.ts):
 * no mock of Redis or BullMQ anywhere. Each server listens on 127.0.0.1 on a free port and is
 * stopped by the test that started it.
 *
 * A machine without `redis-server` skips the Redis suites with a warning on stderr, so that
 * `npm install && npm test` passes on a bare machine; CI (`.ci/run`) installs the package and sets
 * `FLEETSIM_REQUIRE_REDIS=1`, under which a missing server fails the suite instead.
 */
import { describe } from 'vitest';
import { hasRedisServer } from './redisProcess.js';

export { hasRedisServer, startRedis, type RedisServer, type RedisServerOptions } from './redisProcess.js';

/**
 * `describe` for a suite that needs a real Redis: runs it when `redis-server` is installed, skips it
 * with a warning when not, and fails when `FLEETSIM_REQUIRE_REDIS=1` (CI) and it is missing.
 */
export function describeWithRedis(name: string, body: () => void): void {
  describe.skipIf(!redisRequiredOrPresent())(name, body);
}

function redisRequiredOrPresent(): boolean {
  if (hasRedisServer()) return true;
  if (process.env.FLEETSIM_REQUIRE_REDIS === '1') {
    throw new Error('FLEETSIM_REQUIRE_REDIS=1 but redis-server is not installed (Debian package redis-server)');
  }
  process.stderr.write('warning: redis-server is not installed: the Redis suites are skipped (apt-get install redis-server)\n');
  return false;
}
