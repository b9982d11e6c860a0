/**
 * The Redis store's key layout: every key starts with `<keyPrefix>:`.
 *
 * | key | type | what |
 * | --- | --- | --- |
 * | `<p>:states` | hash | user ID → `{"seq":N,"state":{...}}` |
 * | `<p>:seq` | string | the global sequence counter (the latest `seq`) |
 * | `<p>:feed` | stream | the change feed; entry ID `<seq>-0` |
 * | `<p>:epoch` | string | a random ID set once per data set (changes when Redis lost it all) |
 * | `<p>:sync:<user>` | string | a sync mark `[lastSyncTs,lastActiveSyncTs,syncing]`, expiring |
 * | `<p>:instances` | sorted set | instance name → heartbeat expiry (Redis clock, ms) |
 * | `<p>:lease:<name>:<shard>` | string | the instance holding the shard, expiring |
 *
 * @example
 * ```ts
 * redisKeys('presence-router').feed; // 'presence-router:feed'
 * ```
 * @module
 */

/** The keys of one deployment (one key prefix). */
export interface RedisKeys {
  readonly prefix: string;
  readonly states: string;
  readonly counter: string;
  readonly feed: string;
  readonly epoch: string;
  readonly instances: string;
  /** The sync mark key of a user. */
  sync(userId: string): string;
  /** The lease key of one shard of `name`. */
  lease(name: string, shard: number): string;
}

/** The keys under `keyPrefix`. */
export function redisKeys(keyPrefix: string): RedisKeys {
  const p = `${keyPrefix}:`;
  return {
    prefix: keyPrefix,
    states: `${p}states`,
    counter: `${p}seq`,
    feed: `${p}feed`,
    epoch: `${p}epoch`,
    instances: `${p}instances`,
    sync: (userId) => `${p}sync:${userId}`,
    lease: (name, shard) => `${p}lease:${name}:${shard}`,
  };
}

/** The stream entry ID of `seq`. */
export function feedId(seq: number): string {
  return `${seq}-0`;
}

/** The `seq` a stream entry ID encodes. */
export function seqOfFeedId(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}
