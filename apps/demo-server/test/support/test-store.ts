/**
 * Which presence store the server tests run on: the in-memory default, or — in the
 * `demo-server (redis store)` Vitest project (`PRESENCE_ROUTER_TEST_STORE=redis`) — the
 * machine's Redis on 127.0.0.1:6379, each server in a key prefix of its own.
 */
import { spawnSync } from 'node:child_process';
import { SHARED_REDIS as TEST_REDIS, uniqueKeyPrefix } from './shared-redis.ts';

export { TEST_REDIS, uniqueKeyPrefix };

/** The store of this run. */
export const TEST_STORE: 'memory' | 'redis' =
  process.env.PRESENCE_ROUTER_TEST_STORE === 'redis' ? 'redis' : 'memory';

/** The YAML of a `redis:` block with `keyPrefix` (and optionally another port). */
export function redisBlock(keyPrefix: string, port: number = TEST_REDIS.port): string {
  return `redis:\n  enabled: true\n  host: ${TEST_REDIS.host}\n  port: ${port}\n  key_prefix: ${keyPrefix}\n`;
}

/** `yaml` with this run's store: unchanged for memory, plus a fresh `redis:` block for Redis. */
export function withTestStore(yaml: string): string {
  if (TEST_STORE !== 'redis' || /^redis:/m.test(yaml)) return yaml;
  return `${yaml.trimEnd()}\n${redisBlock(uniqueKeyPrefix('server'))}`;
}

/**
 * Whether the machine's Redis answers. Missing, it fails the test file under `CI=true`, and
 * is reported (loudly) and skipped otherwise: use with `describe.skipIf(!redisAvailable())`.
 */
export function redisAvailable(): boolean {
  const ping = spawnSync(
    'redis-cli',
    ['-h', TEST_REDIS.host, '-p', String(TEST_REDIS.port), 'ping'],
    {
      encoding: 'utf8',
      timeout: 5000,
    },
  );
  if (ping.stdout?.trim() === 'PONG') return true;
  const message = `no Redis answers on ${TEST_REDIS.host}:${TEST_REDIS.port}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: the Redis tests must run)`);
  console.warn(`\n*** SKIPPING Redis tests: ${message} ***\n`);
  return false;
}
