/**
 * Redis connections of the store: ioredis clients that fail fast while disconnected (no
 * offline queue, no resending after a reconnect, a command timeout), reconnect with capped
 * exponential backoff, and report their health; and the mapping of their failures to
 * `StoreUnavailableError`.
 *
 * @example
 * ```ts
 * const client = createRedisClient(endpoint, timings, 'presence-router:commands');
 * const health = new RedisHealth(client);
 * await client.connect();
 * ```
 * @module
 */
import { Redis } from 'ioredis';
import { messageOf, StoreUnavailableError } from './errors.ts';
import { type RedisTimings, reconnectDelay } from './redis-timings.ts';

/** Where Redis is. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly dbid: number;
  readonly password?: string | undefined;
}

/** `host:port/dbid`, for messages. */
export function describeEndpoint(endpoint: RedisEndpoint): string {
  return `${endpoint.host}:${endpoint.port}/${endpoint.dbid}`;
}

/**
 * A client that connects on `connect()`. `commandTimeoutMs` undefined: none (the blocking
 * follower sets its own).
 */
export function createRedisClient(
  endpoint: RedisEndpoint,
  timings: RedisTimings,
  connectionName: string,
  commandTimeoutMs: number | undefined = timings.commandTimeoutMs,
): Redis {
  return new Redis({
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.dbid,
    password: endpoint.password,
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: timings.connectTimeoutMs,
    retryStrategy: (times) => reconnectDelay(times, timings),
    connectionName,
    disableClientInfo: true,
  });
}

/** Connection health of one client, tracked from its events. */
export class RedisHealth {
  #connected = false;
  #lastError: string | undefined;
  #since = Date.now();
  #reconnects = 0;
  #readyOnce = false;

  /** `onReady` runs on every `ready` after the first (a reconnection). */
  constructor(client: Redis, onReconnect?: () => void) {
    client.on('ready', () => {
      const again = this.#readyOnce;
      this.#readyOnce = true;
      if (again) this.#reconnects++;
      this.#set(true);
      this.#lastError = undefined;
      if (again) onReconnect?.();
    });
    client.on('error', (error: unknown) => {
      this.#lastError = messageOf(error);
    });
    client.on('close', () => {
      if (this.#connected) this.#lastError ??= 'connection closed';
      this.#set(false);
    });
  }

  /** Whether the client is ready for commands. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The last error since the connection was lost (undefined while connected). */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** When `connected` last changed (ms since the epoch). */
  get since(): number {
    return this.#since;
  }

  /** Reconnections so far. */
  get reconnects(): number {
    return this.#reconnects;
  }

  #set(connected: boolean): void {
    if (connected === this.#connected) return;
    this.#connected = connected;
    this.#since = Date.now();
  }
}

/** `error` (a failed command) as a `StoreUnavailableError` saying what was being done. */
export function storeUnavailable(error: unknown, doing: string): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  return new StoreUnavailableError(`Redis store unavailable (${doing}): ${messageOf(error)}`, {
    cause: error,
  });
}

/** Quits `client` politely, or drops the connection when that fails. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
