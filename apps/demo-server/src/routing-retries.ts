/**
 * What failed membership lookups left unrouted, waiting to be routed again with backoff.
 *
 * One entry per failing room (its members could not be looked up) or user (its rooms could
 * not be). An entry remembers *which users'* states still have to get there, not the states
 * themselves: a retry sends each user's latest routed state, so a newer state supersedes the
 * queued one and a retry never delivers an older state after a newer one.
 *
 * While an entry exists its key is "known failing": fresh fan-outs do not look it up again
 * (a hanging lookup is not waited on by every batch) but add their users to the entry.
 * Retries probe it on an exponential schedule (`minDelayMs` × `multiplier`^attempts, capped
 * at `maxDelayMs`, ±`jitter`).
 *
 * @example
 * ```ts
 * const retries = new RoutingRetries(DEFAULT_RETRY_POLICY);
 * retries.add(result.unrouted, Date.now());
 * const due = retries.takeDue(Date.now(), (userId) => inFlight.has(userId));
 * // ... fanOutRetry(due.parts), then:
 * retries.settle(due, retryResult.unrouted, Date.now());
 * ```
 * @module
 */
import { PresenceRouterError, type UnroutedParts } from '@presence-router/core';

/** The retry schedule. */
export interface RetryPolicy {
  /** Delay before the first retry, in ms. */
  readonly minDelayMs: number;
  /** Longest delay between retries, in ms. */
  readonly maxDelayMs: number;
  /** Each failed retry multiplies the delay by this. */
  readonly multiplier: number;
  /** Random spread of each delay, as a fraction (0.2: ±20%). */
  readonly jitter: number;
}

/** Defaults: 1 s, doubling, at most 30 s, ±20%. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  minDelayMs: 1000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
};

interface RetryEntry {
  readonly kind: 'room' | 'user';
  readonly id: string;
  /** Users whose latest state is still to be routed here -> the generation it was added at. */
  readonly users: Map<string, number>;
  attempts: number;
  dueAt: number;
  /** When the key first failed (ms). */
  readonly since: number;
  lastError: Error;
  taken: boolean;
}

/** Entries taken for one retry, and what they ask for. */
export interface DueRetries {
  /** Users whose rooms to look up again, and rooms with the users whose states they lack. */
  readonly users: readonly string[];
  readonly rooms: ReadonlyMap<string, readonly string[]>;
  /** Every user concerned (to mark in flight). */
  readonly allUsers: ReadonlySet<string>;
  /** The failing keys taken (room and user IDs): these are to be looked up again. */
  readonly keys: ReadonlySet<string>;
  readonly entries: readonly { readonly entry: RetryEntry; readonly users: Map<string, number> }[];
}

/** A failing key, for `/health` and logs. */
export interface FailingKey {
  readonly kind: 'room' | 'user';
  readonly id: string;
  readonly waitingUsers: number;
  readonly attempts: number;
  readonly failingForMs: number;
  readonly retryInMs: number;
  readonly error: string;
}

/** The queue of unrouted parts; see the module documentation. */
export class RoutingRetries {
  readonly #policy: RetryPolicy;
  readonly #random: () => number;
  readonly #entries = new Map<string, RetryEntry>();
  #generation = 0;
  #retried = 0;
  #recovered = 0;

  constructor(policy: RetryPolicy = DEFAULT_RETRY_POLICY, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** Number of failing keys. */
  get size(): number {
    return this.#entries.size;
  }

  /** Retries run so far (one per entry taken). */
  get retried(): number {
    return this.#retried;
  }

  /** Keys that failed and later routed. */
  get recovered(): number {
    return this.#recovered;
  }

  /** Users waiting for a retry somewhere (a user waiting in two rooms counts twice). */
  get waitingUsers(): number {
    let count = 0;
    for (const entry of this.#entries.values()) count += entry.users.size;
    return count;
  }

  /** Keys not to look up in fresh fan-outs (their entry exists). */
  readonly knownFailing = { has: (id: string): boolean => this.#entries.has(id) };

  /** Records what a fan-out left unrouted. */
  add(unrouted: UnroutedParts, now: number): void {
    if (unrouted.size === 0) return;
    for (const userId of unrouted.users.keys()) {
      this.#entry('user', userId, unrouted.errors.get(userId), now).users.set(
        userId,
        ++this.#generation,
      );
    }
    for (const [roomId, states] of unrouted.rooms) {
      const entry = this.#entry('room', roomId, unrouted.errors.get(roomId), now);
      for (const state of states) entry.users.set(state.userId, ++this.#generation);
    }
  }

  /**
   * Takes the entries due at `now` whose users are not busy (`isBusy`: in a batch already).
   * Returns `undefined` when none is due.
   */
  takeDue(now: number, isBusy: (userId: string) => boolean): DueRetries | undefined {
    const users: string[] = [];
    const rooms = new Map<string, readonly string[]>();
    const allUsers = new Set<string>();
    const entries: { entry: RetryEntry; users: Map<string, number> }[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.taken || entry.dueAt > now) continue;
      const ids = [...entry.users.keys()];
      if (ids.some(isBusy)) continue;
      entry.taken = true;
      this.#retried++;
      entries.push({ entry, users: new Map(entry.users) });
      for (const id of ids) allUsers.add(id);
      if (entry.kind === 'user') users.push(entry.id);
      else rooms.set(entry.id, ids);
    }
    if (entries.length === 0) return undefined;
    const keys = new Set(entries.map(({ entry }) => entry.id));
    return { users, rooms, allUsers, keys, entries };
  }

  /**
   * Settles a retry with what it left unrouted: keys that failed again back off further;
   * the others are done for the users that were retried (users added meanwhile stay, due now).
   */
  settle(due: DueRetries, unrouted: UnroutedParts, now: number): void {
    for (const { entry, users } of due.entries) {
      entry.taken = false;
      const error = unrouted.errors.get(entry.id);
      if (error !== undefined) {
        entry.attempts++;
        entry.lastError = error;
        entry.dueAt = now + this.#delay(entry.attempts);
        continue;
      }
      for (const [userId, generation] of users) {
        if (entry.users.get(userId) === generation) entry.users.delete(userId);
      }
      if (entry.users.size === 0) {
        this.#entries.delete(entry.id);
        this.#recovered++;
      } else {
        entry.dueAt = now;
      }
    }
  }

  /** Gives the entries of `due` back untouched (the retry did not run). */
  release(due: DueRetries): void {
    for (const { entry } of due.entries) entry.taken = false;
  }

  /** When the next entry is due (ms), or `undefined` when none waits. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const entry of this.#entries.values()) {
      if (!entry.taken && (next === undefined || entry.dueAt < next)) next = entry.dueAt;
    }
    return next;
  }

  /** Makes every entry due now (shutdown: one last attempt). */
  dueNow(now: number): void {
    for (const entry of this.#entries.values()) entry.dueAt = Math.min(entry.dueAt, now);
  }

  /** The failing keys, oldest failure first, at most `limit`. */
  failing(now: number, limit = 20): FailingKey[] {
    return [...this.#entries.values()]
      .sort((a, b) => a.since - b.since)
      .slice(0, limit)
      .map((entry) => ({
        kind: entry.kind,
        id: entry.id,
        waitingUsers: entry.users.size,
        attempts: entry.attempts,
        failingForMs: now - entry.since,
        retryInMs: Math.max(0, entry.dueAt - now),
        error: entry.lastError.message,
      }));
  }

  #entry(kind: 'room' | 'user', id: string, error: Error | undefined, now: number): RetryEntry {
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      entry = {
        kind,
        id,
        users: new Map(),
        attempts: 0,
        dueAt: now + this.#delay(0),
        since: now,
        lastError: error ?? new Error('lookup failed'),
        taken: false,
      };
      this.#entries.set(id, entry);
    } else if (error !== undefined && !isSkip(error)) {
      entry.lastError = error;
    }
    return entry;
  }

  #delay(attempts: number): number {
    const { minDelayMs, maxDelayMs, multiplier, jitter } = this.#policy;
    const base = Math.min(maxDelayMs, minDelayMs * multiplier ** attempts);
    return Math.max(0, Math.round(base * (1 + jitter * (2 * this.#random() - 1))));
  }
}

/** A lookup the router did not make because the key was known to be failing. */
function isSkip(error: Error): boolean {
  return error instanceof PresenceRouterError && error.code === 'LOOKUP_SKIPPED';
}
