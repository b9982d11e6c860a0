/**
 * The server suite again, on the Redis presence store (the machine's Redis on 127.0.0.1:6379,
 * a key prefix per server): the tests that start servers from YAML run unchanged with a
 * `redis:` block added. Without a reachable Redis the project fails under `CI=true` and is
 * skipped, loudly, otherwise.
 */
import { spawnSync } from 'node:child_process';
import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

/** The server tests that build their servers from YAML (see test/support/test-store.ts). */
const SERVER_SUITE = [
  'test/presence-routing.test.ts',
  'test/matrix-errors.test.ts',
  'test/hostile-http.test.ts',
  'test/http-membership.test.ts',
  'test/live-page.test.ts',
  'test/matrix-js-sdk.test.ts',
  'test/federation-inbound.test.ts',
  'test/federation.test.ts',
  'test/sqlite-membership-and-timers.test.ts',
  'test/presence-policy-server.test.ts',
];

const ping = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], {
  encoding: 'utf8',
  timeout: 5000,
});
const redisUp = ping.stdout?.trim() === 'PONG';
const skip = !redisUp && process.env.CI !== 'true';
if (skip) {
  console.warn(
    '\n*** SKIPPING the server suite on the Redis store: no Redis answers on 127.0.0.1:6379 ***\n' +
      '*** start one: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" ***\n',
  );
}

const config = mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      name: 'demo-server (redis store)',
      passWithNoTests: skip,
      env: { PRESENCE_ROUTER_TEST_STORE: 'redis' },
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  }),
);
// Set after merging: mergeConfig would append to the shared `include` instead of replacing it.
config.test = { ...config.test, include: skip ? [] : SERVER_SUITE };

export default config;
