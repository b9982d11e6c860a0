/**
 * The machine's shared Redis (127.0.0.1:6379) for store tests: whether it answers (missing,
 * it fails the test file under `CI=true` and is skipped loudly otherwise), a key prefix per
 * test, and removing a prefix's keys afterwards. Never stops or flushes that Redis.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The shared Redis. */
export const SHARED_REDIS = { host: '127.0.0.1', port: 6379, dbid: 0 } as const;

async function answers(): Promise<boolean> {
  const client = new Redis({
    host: SHARED_REDIS.host,
    port: SHARED_REDIS.port,
    lazyConnect: true,
    retryStrategy: () => null,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Whether the shared Redis answers. When it does not: throws under `CI=true` (the file
 * fails), else warns loudly (use with `describe.skipIf(!available)`).
 */
export async function sharedRedisAvailable(what: string): Promise<boolean> {
  if (await answers()) return true;
  const message = `no Redis answers on ${SHARED_REDIS.host}:${SHARED_REDIS.port}`;
  if (process.env.CI === 'true') {
    throw new Error(`${message} (CI=true: ${what} must run against a real Redis)`);
  }
  console.warn(
    `\n*** SKIPPING ${what}: ${message} ***\n` +
      '*** start one: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" ***\n',
  );
  return false;
}

/** A key prefix no other test uses. */
export function uniqueKeyPrefix(label: string): string {
  return `test-store:${label}:${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under `<prefix>:` on the shared Redis. */
export async function deletePrefix(prefix: string): Promise<void> {
  const client = new Redis({
    host: SHARED_REDIS.host,
    port: SHARED_REDIS.port,
    db: SHARED_REDIS.dbid,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A plain client of the shared Redis, for tests that look at keys directly. */
export function sharedRedisClient(): Redis {
  const client = new Redis({ host: SHARED_REDIS.host, port: SHARED_REDIS.port });
  client.on('error', () => {});
  return client;
}
