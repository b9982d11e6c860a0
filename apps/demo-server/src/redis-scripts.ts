/**
 * The Redis store's Lua scripts, each atomic on the server, registered on a client with
 * {@link withStoreScripts}:
 *
 * - `presenceCommit`: compare-and-set of one user's state on its stored `seq`, taking the next
 *   global `seq` and appending the change to the feed (`XADD` with ID `<seq>-0`, `MAXLEN ~`).
 *   The entry is added before the counter and the hash change, so a failing `XADD` changes
 *   nothing and the `seq`s in the feed have no holes.
 * - `presenceSnapshotRequest`: the same for a snapshot request.
 * - `presenceEpoch`: sets the data set's epoch when missing and raises the counter to a floor
 *   (after Redis lost everything, `seq`s keep increasing past what instances have seen).
 * - `presenceHeartbeat` / `presenceLeave`: an instance's heartbeat in a sorted set scored by
 *   expiry on the Redis clock; answers the live instance count.
 * - `presenceBalanceLeases` / `presenceReleaseLeases`: renew, release extras beyond a quota,
 *   claim free shards up to it.
 *
 * @example
 * ```ts
 * const client = withStoreScripts(new Redis());
 * const [ok, seqOrCurrent] = await client.presenceCommit(...keysAndArgs);
 * ```
 * @module
 */
import type { Redis } from 'ioredis';

const COMMIT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local curSeq = 0
if cur then curSeq = tonumber(string.match(cur, '^{"seq":(%d+),')) or -1 end
if curSeq ~= tonumber(ARGV[2]) then return {0, cur} end
local seq = (tonumber(redis.call('GET', KEYS[2])) or 0) + 1
local s = string.format('%d', seq)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], s .. '-0', 'k', 's', 'o', ARGV[5], 'n', ARGV[4], 's', ARGV[3])
redis.call('SET', KEYS[2], s)
redis.call('HSET', KEYS[1], ARGV[1], '{"seq":' .. s .. ',"state":' .. ARGV[3] .. '}')
return {1, s}
`;

const SNAPSHOT_REQUEST = `
local seq = (tonumber(redis.call('GET', KEYS[1])) or 0) + 1
local s = string.format('%d', seq)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], s .. '-0', 'k', 'r', 'o', ARGV[2], 'u', ARGV[1])
redis.call('SET', KEYS[1], s)
return s
`;

const EPOCH = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local c = tonumber(redis.call('GET', KEYS[2])) or 0
local f = tonumber(ARGV[2])
if c < f then
  redis.call('SET', KEYS[2], ARGV[2])
  c = f
end
return {redis.call('GET', KEYS[1]), string.format('%d', c)}
`;

const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local previous = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 3)
local alive = 0
if previous and previous > now then alive = 1 end
return {redis.call('ZCARD', KEYS[1]), alive}
`;

const LEAVE = `
return redis.call('ZREM', KEYS[1], ARGV[1])
`;

const BALANCE_LEASES = `
local me = ARGV[1]
local quota = tonumber(ARGV[2])
local ttl = ARGV[3]
local start = tonumber(ARGV[4])
local n = #KEYS
local held = {}
for i = 1, n do
  if redis.call('GET', KEYS[i]) == me then held[#held + 1] = i end
end
while #held > quota do
  redis.call('DEL', KEYS[table.remove(held)])
end
for _, i in ipairs(held) do redis.call('PEXPIRE', KEYS[i], ttl) end
for j = 0, n - 1 do
  if #held >= quota then break end
  local i = ((start + j) % n) + 1
  if redis.call('SET', KEYS[i], me, 'NX', 'PX', ttl) then held[#held + 1] = i end
end
local out = {}
for k, i in ipairs(held) do out[k] = i - 1 end
return out
`;

const RELEASE_LEASES = `
local released = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
return released
`;

/** The scripts as commands of a client (see the module documentation for each). */
export interface StoreScripts {
  /** KEYS states, counter, feed; ARGV user, expectedSeq, state JSON, notify (1/0), origin, maxlen. */
  presenceCommit(
    states: string,
    counter: string,
    feed: string,
    userId: string,
    expectedSeq: number,
    stateJson: string,
    notify: '1' | '0',
    origin: string,
    maxLength: number,
  ): Promise<[number, string | null]>;
  /** KEYS counter, feed; ARGV users JSON, origin, maxlen. Answers the `seq`. */
  presenceSnapshotRequest(
    counter: string,
    feed: string,
    usersJson: string,
    origin: string,
    maxLength: number,
  ): Promise<string>;
  /** KEYS epoch, counter; ARGV new epoch, floor. Answers [epoch, counter]. */
  presenceEpoch(
    epoch: string,
    counter: string,
    newEpoch: string,
    floor: number,
  ): Promise<[string, string]>;
  /** KEYS instances; ARGV name, ttl ms. Answers [live count, 1 if the name was alive]. */
  presenceHeartbeat(instances: string, name: string, ttlMs: number): Promise<[number, number]>;
  /** KEYS instances; ARGV name. */
  presenceLeave(instances: string, name: string): Promise<number>;
  /** KEYS one per shard; ARGV name, quota, ttl ms, start shard. Answers the held shards. */
  presenceBalanceLeases(...keysAndArgs: (string | number)[]): Promise<number[]>;
  /** KEYS one per shard; ARGV name. Answers how many were released. */
  presenceReleaseLeases(...keysAndArgs: string[]): Promise<number>;
}

/** An ioredis client with {@link StoreScripts}. */
export type ScriptedRedis = Redis & StoreScripts;

/** Registers the scripts on `client` (sent by `EVALSHA`, loaded on first use). */
export function withStoreScripts(client: Redis): ScriptedRedis {
  client.defineCommand('presenceCommit', { numberOfKeys: 3, lua: COMMIT });
  client.defineCommand('presenceSnapshotRequest', { numberOfKeys: 2, lua: SNAPSHOT_REQUEST });
  client.defineCommand('presenceEpoch', { numberOfKeys: 2, lua: EPOCH });
  client.defineCommand('presenceHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
  client.defineCommand('presenceLeave', { numberOfKeys: 1, lua: LEAVE });
  client.defineCommand('presenceBalanceLeases', { lua: BALANCE_LEASES });
  client.defineCommand('presenceReleaseLeases', { lua: RELEASE_LEASES });
  return client as ScriptedRedis;
}
