/**
 * Several server instances sharing one presence space on Redis, in this process: each the
 * real server from YAML (`startTestServer`) with the same `redis:` block (a key prefix of
 * the cluster's own) and the same users and rooms.
 */
import { startTestServer, type TestServer, testConfigYaml } from './test-server.ts';
import { redisBlock, TEST_REDIS, uniqueKeyPrefix } from './test-store.ts';

/** A cluster of instances; `close()` stops them all. */
export interface TestCluster {
  readonly keyPrefix: string;
  readonly servers: readonly TestServer[];
  close(): Promise<void>;
}

/** Starts `count` instances on one key prefix (the Redis at `port`, default 6379). */
export async function startCluster(
  count: number,
  options: { port?: number; extra?: string; keyPrefix?: string } = {},
): Promise<TestCluster> {
  const keyPrefix = options.keyPrefix ?? uniqueKeyPrefix('cluster');
  const yaml = `${testConfigYaml(options.extra ?? '').trimEnd()}\n${redisBlock(
    keyPrefix,
    options.port ?? TEST_REDIS.port,
  )}`;
  const servers: TestServer[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startTestServer(yaml));
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  return {
    keyPrefix,
    servers,
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** Polls `read` until `accept` holds or `timeoutMs` passes; returns the last value read. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
