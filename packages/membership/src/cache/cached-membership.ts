/**
 * `CachedMembership`: a caching `MembershipSource` in front of any other (SQL, HTTP, ...).
 *
 * - Bounded by entry count and by the total length of the cached lists (a 120k-member room
 *   weighs 120k), least recently used entries evicted first.
 * - Entries expire after `ttlMs`; `invalidateRoom` / `invalidateUser` / `invalidate` /
 *   `clear` drop them earlier. Connect a change feed with `invalidateOnChanges` (e.g.
 *   `InMemoryMembership#onChange`) or `invalidateOnDelta` (the SQL adapter's
 *   `DeltaStreamPoller`, from `@presence-router/membership/synapse`).
 * - Concurrent misses of one key share a single load; the misses of one call are loaded in
 *   one batched source call. A load that was running when its key was invalidated answers
 *   its callers but is not stored.
 * - The same array instance is returned for a room until it is invalidated or expires (and
 *   after, when the reloaded list has the same members): the routing engine caches its
 *   interned copy of each member list by array identity.
 * - Rooms the server does not participate in are cached as such (negative caching).
 * - Stale on error: when loading a room (or user) fails and an expired or invalidated entry
 *   exists, that entry is served and the failure reported to `onError` with
 *   `servedStale: true`. Without one, the failure is the caller's: in `errors` of the
 *   `*Settled` methods; for the plain methods, per `onPartialFailure` (`'reject'`, the
 *   default, rejects the batch; `'omit'` answers the other rooms and leaves the failed ones
 *   out after reporting them). With a source implementing `SettledMembershipSource` (the HTTP
 *   adapter) failures are per room; a plain source failing a batch fails each of its rooms.
 *
 * @example
 * ```ts
 * import { CachedMembership } from '@presence-router/membership';
 * import { DeltaStreamPoller, invalidateOnDelta } from '@presence-router/membership/synapse';
 *
 * const cache = new CachedMembership(sqlMembership, {
 *   maxEntries: 50_000,
 *   maxTotalMembers: 5_000_000,
 *   ttlMs: 10 * 60_000,
 *   onError: ({ kind, id, error, servedStale }) => log.warn({ kind, id, servedStale }, error.message),
 * });
 * const poller = new DeltaStreamPoller({ driver: sqlMembership.driver, serverName: 'hs.example', onDelta: invalidateOnDelta(cache) });
 * await poller.start();
 * const members = await cache.getJoinedMembers(['!room:hs.example']);
 * cache.stats; // { hits, misses, loads, evictions, staleServes, ... }
 * ```
 * @module
 */
import {
  consoleLogger,
  isSettledMembershipSource,
  type Logger,
  type MembershipSource,
  type SettledLookup,
  type SettledMembershipSource,
} from '@presence-router/core';
import { MembershipError } from '../errors.ts';
import { CacheEntries, type CacheEntry } from '../internal/cache/cache-entries.ts';
import { checkRoomId, checkUserId } from '../internal/checked-ids.ts';
import { answerOf, asError, partialFailurePolicy } from '../internal/settled-lookup.ts';
import type { PartialFailurePolicy } from '../partial-failure-policy.ts';

/** A lookup failure, as told to {@link CachedMembershipOptions.onError}. */
export interface CacheErrorEvent {
  /** Whether a room's members or a user's rooms failed to load. */
  readonly kind: 'room' | 'user';
  /** The room or user ID. */
  readonly id: string;
  /** Why (what the source threw, or its per-room error). */
  readonly error: Error;
  /** Whether a stale entry was served instead (otherwise the caller got the failure). */
  readonly servedStale: boolean;
}

/** Options of {@link CachedMembership}. */
export interface CachedMembershipOptions {
  /** Most entries (rooms + users, stale ones included). Default 10,000. */
  readonly maxEntries?: number;
  /** Most IDs in all cached lists together. Default 2,000,000. */
  readonly maxTotalMembers?: number;
  /** How long an entry stays fresh, in ms (`Infinity`: until invalidated). Default 5 min. */
  readonly ttlMs?: number;
  /** Serve expired or invalidated entries when the source fails. Default true. */
  readonly staleOnError?: boolean;
  /** How long after expiring (or being invalidated) an entry may still be served. Default `Infinity`. */
  readonly maxStaleMs?: number;
  /** What the plain methods do with keys that failed without a stale entry. Default `'reject'`. */
  readonly onPartialFailure?: PartialFailurePolicy;
  /** Told about every failed lookup, stale-served or not. */
  readonly onError?: (event: CacheErrorEvent) => void;
  /** Where failures go when there is no `onError` (stale serves, omitted keys). Default: console. */
  readonly logger?: Logger;
  /** The clock, in ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** Counters for metrics; see {@link CachedMembership.stats}. */
export interface CacheStats {
  /** Keys answered from a fresh entry. */
  readonly hits: number;
  /** Keys not answered from a fresh entry (loaded, or waiting for a load already running). */
  readonly misses: number;
  /** Misses that joined a load already running instead of starting one. */
  readonly coalesced: number;
  /** Calls made to the source (each loads a batch of keys). */
  readonly loads: number;
  /** Entries dropped to keep within the bounds. */
  readonly evictions: number;
  /** Failed keys answered from a stale entry. */
  readonly staleServes: number;
  /** Failed keys without a stale entry (the caller got the failure). */
  readonly errors: number;
  /** Calls of the invalidation methods, per key. */
  readonly invalidations: number;
  /** Entries held now. */
  readonly entries: number;
  /** IDs in all cached lists now. */
  readonly totalMembers: number;
}

/** Something that reports which rooms' members and which users' rooms changed. */
export interface MembershipInvalidation {
  readonly rooms?: Iterable<string>;
  readonly users?: Iterable<string>;
}

type Outcome = { readonly value: readonly string[] | null } | { readonly error: Error };

interface InFlight {
  readonly token: object;
  readonly outcome: Promise<Outcome>;
}

type Kind = 'room' | 'user';

function count(name: string, value: unknown, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < 0 ||
    (!allowInfinity && !Number.isFinite(value))
  ) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `${name} must be a non-negative number${allowInfinity ? ' or Infinity' : ''}, got ${String(value)}`,
    );
  }
  return value;
}

/** Whether two lists hold the same IDs (any order). */
function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (i === a.length) return true;
  const rest = new Set(a.slice(i));
  for (let j = i; j < b.length; j++) if (!rest.has(b[j] as string)) return false;
  return rest.size === a.length - i;
}

/** A caching `MembershipSource`; see the module documentation. */
export class CachedMembership implements SettledMembershipSource {
  /** The wrapped source. */
  readonly source: MembershipSource;
  readonly #entries: CacheEntries;
  readonly #inflight = new Map<string, InFlight>();
  readonly #ttlMs: number;
  readonly #staleOnError: boolean;
  readonly #maxStaleMs: number;
  readonly #policy: PartialFailurePolicy;
  readonly #onError: ((event: CacheErrorEvent) => void) | undefined;
  readonly #logger: Logger;
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;
  #coalesced = 0;
  #loads = 0;
  #evictions = 0;
  #staleServes = 0;
  #errors = 0;
  #invalidations = 0;

  constructor(source: MembershipSource, options: CachedMembershipOptions = {}) {
    if (
      typeof source?.getJoinedMembers !== 'function' ||
      typeof source.getRoomsForUsers !== 'function'
    ) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        'CachedMembership needs a MembershipSource (getJoinedMembers and getRoomsForUsers)',
      );
    }
    if (typeof options !== 'object' || options === null) {
      throw new MembershipError('INVALID_OPTIONS', 'CachedMembership options must be an object');
    }
    this.source = source;
    const maxEntries = count('maxEntries', options.maxEntries, 10_000);
    const maxTotalMembers = count('maxTotalMembers', options.maxTotalMembers, 2_000_000);
    this.#entries = new CacheEntries({ maxEntries, maxTotalMembers });
    this.#ttlMs = count('ttlMs', options.ttlMs, 5 * 60_000, true);
    this.#maxStaleMs = count('maxStaleMs', options.maxStaleMs, Number.POSITIVE_INFINITY, true);
    this.#staleOnError = options.staleOnError !== false;
    this.#policy = partialFailurePolicy(options.onPartialFailure);
    for (const name of ['onError', 'now'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') {
        throw new MembershipError('INVALID_OPTIONS', `${name} must be a function`);
      }
    }
    this.#onError = options.onError;
    this.#logger = options.logger ?? consoleLogger;
    this.#now = options.now ?? Date.now;
  }

  /** A snapshot of the counters. */
  get stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      coalesced: this.#coalesced,
      loads: this.#loads,
      evictions: this.#evictions,
      staleServes: this.#staleServes,
      errors: this.#errors,
      invalidations: this.#invalidations,
      entries: this.#entries.size,
      totalMembers: this.#entries.totalMembers,
    };
  }

  /** Joined members of each participated room, from the cache when fresh. */
  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    const settled = await this.getJoinedMembersSettled(roomIds);
    return answerOf(settled, this.#policy, 'room', roomIds.length);
  }

  /** Rooms of each user (every requested user has an entry), from the cache when fresh. */
  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    const settled = await this.getRoomsForUsersSettled(userIds);
    return answerOf(settled, this.#policy, 'user', userIds.length);
  }

  /** {@link getJoinedMembers} with the rooms that failed (and had no stale entry) in `errors`. */
  getJoinedMembersSettled(roomIds: readonly string[]): Promise<SettledLookup> {
    return this.#lookup('room', roomIds);
  }

  /** {@link getRoomsForUsers} with the users that failed (and had no stale entry) in `errors`. */
  getRoomsForUsersSettled(userIds: readonly string[]): Promise<SettledLookup> {
    return this.#lookup('user', userIds);
  }

  /** The room's members changed: the next lookup reloads it. */
  invalidateRoom(roomId: string): void {
    this.#invalidate(roomId);
  }

  /** The user's rooms changed: the next lookup reloads them. */
  invalidateUser(userId: string): void {
    this.#invalidate(userId);
  }

  /** Invalidates the given rooms and users (the shape change feeds report). */
  invalidate(change: MembershipInvalidation): void {
    for (const roomId of change.rooms ?? []) this.#invalidate(roomId);
    for (const userId of change.users ?? []) this.#invalidate(userId);
  }

  /** Drops every entry (stale fallbacks included); loads running now are not stored. */
  clear(): void {
    this.#entries.clear();
    this.#inflight.clear();
  }

  /**
   * Invalidates the cached room list of every user whose list contains `roomId` (a scan of
   * the user entries): for when the server stopped participating in the room.
   */
  invalidateUsersListing(roomId: string): void {
    const listing: string[] = [];
    for (const [id, entry] of this.#entries.entries()) {
      if (
        id.startsWith('@') &&
        entry.invalidatedAt === undefined &&
        entry.value?.includes(roomId)
      ) {
        listing.push(id);
      }
    }
    for (const userId of listing) this.#invalidate(userId);
  }

  /** Invalidates every cached room list of users (room member lists stay). */
  invalidateAllUsers(): void {
    const users: string[] = [];
    for (const [id] of this.#entries.entries()) if (id.startsWith('@')) users.push(id);
    for (const userId of users) this.#invalidate(userId);
    for (const id of [...this.#inflight.keys()]) if (id.startsWith('@')) this.#inflight.delete(id);
  }

  /**
   * What the cache holds for a room, fresh or stale, without counting it or changing its
   * recency: the members, `null` (cached as not participated in), or `undefined` (nothing).
   */
  peekRoom(roomId: string): readonly string[] | null | undefined {
    return this.#entries.get(roomId)?.value;
  }

  /**
   * Invalidates the rooms and loads them again now. Failures are in `errors` even when a
   * stale entry exists (nothing stale is served here).
   */
  async reloadRooms(roomIds: readonly string[]): Promise<SettledLookup> {
    for (const roomId of roomIds) this.#invalidate(roomId);
    return this.#lookup('room', roomIds, false);
  }

  #invalidate(id: string): void {
    this.#invalidations++;
    this.#inflight.delete(id);
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    if (this.#staleOnError) entry.invalidatedAt ??= this.#now();
    else this.#entries.delete(id);
  }

  async #lookup(kind: Kind, ids: readonly string[], serveStale = true): Promise<SettledLookup> {
    const unique = [...new Set(ids)];
    // Only valid IDs are ever stored or loaded, so hits and shared loads need no check;
    // misses are checked below, all of them before anything is loaded.
    const now = this.#now();
    const answers = new Map<string, Outcome>();
    const pending: [string, Promise<Outcome>][] = [];
    const misses: string[] = [];
    for (const id of unique) {
      const entry = this.#entries.get(id);
      if (entry !== undefined && entry.invalidatedAt === undefined && entry.expiresAt > now) {
        this.#hits++;
        this.#entries.touch(id);
        answers.set(id, entry);
        continue;
      }
      this.#misses++;
      const flight = this.#inflight.get(id);
      if (flight !== undefined) {
        this.#coalesced++;
        pending.push([id, flight.outcome]);
      } else misses.push(id);
    }
    for (const id of misses) {
      if (kind === 'room') checkRoomId(id);
      else checkUserId(id);
    }
    if (misses.length > 0) {
      const loaded = this.#load(kind, misses);
      for (const id of misses) {
        pending.push([id, (this.#inflight.get(id) as InFlight).outcome]);
      }
      await loaded;
    }
    for (const [id, outcome] of pending) answers.set(id, await outcome);

    const found = new Map<string, readonly string[]>();
    const errors = new Map<string, Error>();
    const failedAt = this.#now();
    for (const id of unique) {
      const outcome = answers.get(id) as Outcome;
      if ('value' in outcome) {
        if (outcome.value !== null) found.set(id, outcome.value);
        continue;
      }
      const stale = serveStale ? this.#staleValue(id, failedAt) : undefined;
      if (stale !== undefined) {
        this.#staleServes++;
        if (stale !== null) found.set(id, stale);
        this.#report({ kind, id, error: outcome.error, servedStale: true });
      } else {
        this.#errors++;
        errors.set(id, outcome.error);
        this.#report({ kind, id, error: outcome.error, servedStale: false });
      }
    }
    return { found, errors };
  }

  /** Starts one source call for `ids`; registers one in-flight record per key. */
  #load(kind: Kind, ids: string[]): Promise<void> {
    const token = {};
    const startedAt = this.#now();
    this.#loads++;
    const batch = this.#callSource(kind, ids);
    const stored = batch.then((outcomes) => {
      for (const id of ids) {
        if (this.#inflight.get(id)?.token !== token) continue; // invalidated meanwhile
        this.#inflight.delete(id);
        const outcome = outcomes.get(id) as Outcome;
        if ('value' in outcome) this.#store(id, outcome.value, startedAt);
      }
    });
    for (const id of ids) {
      const outcome = stored.then(() => batch).then((outcomes) => outcomes.get(id) as Outcome);
      this.#inflight.set(id, { token, outcome });
    }
    return stored;
  }

  /** Asks the source; never rejects: failures become per-key outcomes. */
  async #callSource(kind: Kind, ids: string[]): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>();
    const absent = kind === 'room' ? null : Object.freeze([] as string[]);
    try {
      let found: ReadonlyMap<string, readonly string[]>;
      let errors: ReadonlyMap<string, Error> = new Map();
      const source = this.source;
      if (isSettledMembershipSource(source)) {
        const settled =
          kind === 'room'
            ? await source.getJoinedMembersSettled(ids)
            : await source.getRoomsForUsersSettled(ids);
        found = settled.found;
        errors = settled.errors;
      } else {
        found =
          kind === 'room' ? await source.getJoinedMembers(ids) : await source.getRoomsForUsers(ids);
      }
      if (!(found instanceof Map)) {
        throw new MembershipError(
          'MALFORMED_RESPONSE',
          `The wrapped membership source answered ${typeof found} instead of a Map`,
        );
      }
      for (const id of ids) {
        const error = errors.get(id);
        if (error !== undefined) outcomes.set(id, { error: asError(error, `Lookup of ${id}`) });
        else outcomes.set(id, { value: found.get(id) ?? absent });
      }
    } catch (thrown) {
      const error = asError(thrown, `The membership source failed for ${ids.length} ${kind}(s)`);
      for (const id of ids) outcomes.set(id, { error });
    }
    return outcomes;
  }

  #store(id: string, value: readonly string[] | null, startedAt: number): void {
    const previous = this.#entries.get(id)?.value;
    const kept =
      value !== null && previous !== undefined && previous !== null && sameIds(previous, value)
        ? previous
        : value;
    const entry: CacheEntry = {
      value: kept,
      expiresAt: startedAt + this.#ttlMs,
      invalidatedAt: undefined,
    };
    this.#evictions += this.#entries.put(id, entry);
  }

  /** The stale value of `id` that may be served now, or `undefined` when there is none. */
  #staleValue(id: string, now: number): readonly string[] | null | undefined {
    if (!this.#staleOnError) return undefined;
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    const staleSince = Math.min(entry.invalidatedAt ?? entry.expiresAt, entry.expiresAt);
    if (now - staleSince > this.#maxStaleMs) return undefined;
    return entry.value;
  }

  #report(event: CacheErrorEvent): void {
    if (this.#onError !== undefined) {
      try {
        this.#onError(event);
      } catch (listenerError) {
        this.#logger.error('CachedMembership onError threw', {
          id: event.id,
          error: listenerError instanceof Error ? listenerError.message : String(listenerError),
        });
      }
      return;
    }
    if (event.servedStale || this.#policy === 'omit') {
      this.#logger.warn(
        `Membership lookup of ${event.id} failed; ${event.servedStale ? 'served the stale cached entry' : 'left out of the answer'}`,
        { kind: event.kind, id: event.id, error: event.error.message },
      );
    }
  }
}
