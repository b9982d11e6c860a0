/**
 * Where users' global account data lives (MSC4495 needs `m.presence.sharing` kept with
 * presence: it survives restarts and every instance reads the same): the contract, and the
 * 503 answered when the store cannot be reached. Implementations: `MemoryAccountDataStore`
 * (this process) and `RedisAccountDataStore` (a hash per user, beside the presence store's keys).
 *
 * Content is stored as the client wrote it (a JSON object, as text); the routes validate it.
 *
 * @example
 * ```ts
 * await store.put('@alice:hs', 'm.presence.sharing', '{"share_locally":true}');
 * await store.get('@alice:hs', 'm.presence.sharing'); // '{"share_locally":true}'
 * ```
 * @module
 */
import { MatrixError } from './errors.ts';

/** Users' global account data, by user and type. */
export interface AccountDataStore {
  /** Stores `json` (a JSON object's text) as `userId`'s `type`, replacing what was there. */
  put(userId: string, type: string, json: string): Promise<void>;
  /** The stored text of `userId`'s `type`, or undefined. */
  get(userId: string, type: string): Promise<string | undefined>;
  /** The stored text of each of `types` for `userId` (absent types are left out). */
  getMany(userId: string, types: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Every user holding at least one of `types` (any order). */
  usersWith(types: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

/** How long (ms) a client should wait after the account data store failed. */
export const ACCOUNT_DATA_RETRY_AFTER_MS = 2000;

/** 503 `M_UNKNOWN` with `Retry-After`: the account data store cannot be reached now. */
export function accountDataUnavailable(cause: unknown): MatrixError {
  return new MatrixError(503, 'M_UNKNOWN', 'Account data cannot be reached right now; retry', {
    retryAfterMs: ACCOUNT_DATA_RETRY_AFTER_MS,
    cause,
  });
}
