/**
 * `DeltaStreamPoller`: the invalidation feed of the Synapse SQL adapter. Synapse appends every
 * current-state change to `current_state_delta_stream`; the poller reads the `m.room.member`
 * rows after the last stream ID it saw, every `intervalMs`, and reports exactly the rooms and
 * users they touch, so a cache can drop those entries (`invalidateRoom` / `invalidateUser`).
 *
 * It starts from the stream's current maximum (older changes are not replayed), never lets two
 * polls overlap, reports failures to `onError` and keeps polling, and `stop()` leaves no timer
 * behind (the timer is also `unref`ed, so it never keeps a process alive).
 *
 * The database changing under it: every poll first calls the driver's `checkFile()` (SQLite
 * opened from a path: one `stat`). When the file was replaced, truncated or deleted, a
 * warning goes to `logger`; when the driver opened a new file, the changes in between cannot
 * be told, so the poll reports a **reset** delta (`reset: true`, everything may have changed;
 * `invalidateOnDelta` clears the cache) and goes on from the new file's current maximum
 * stream ID, which may be lower or higher than before. A stream whose maximum went below the
 * last ID read (a database restored or rewritten in place, on SQLite or PostgreSQL) is
 * reported the same way. While the file is missing, polls fail (`DATABASE_UNAVAILABLE`, to
 * `onError`) and the poller keeps checking.
 *
 * Limit: with several Synapse event persisters (workers), stream IDs can become visible out of
 * order, so a row committed late below the last seen ID is missed. Pair the poller with a
 * cache TTL on such deployments; a single-process Synapse writes the stream in order.
 *
 * @example
 * ```ts
 * import { DeltaStreamPoller, SynapseSqlMembership } from '@presence-router/membership/synapse';
 *
 * const membership = await SynapseSqlMembership.open({ sqlitePath: '/data/homeserver.db' });
 * const poller = new DeltaStreamPoller({
 *   driver: membership.driver,
 *   serverName: 'hs.example',
 *   intervalMs: 1000,
 *   onDelta: ({ rooms, users }) => {
 *     for (const room of rooms) cache.invalidateRoom(room);
 *     for (const user of users) cache.invalidateUser(user);
 *   },
 *   onError: (error) => console.warn(error.message),
 * });
 * await poller.start();
 * // ...
 * await poller.stop();
 * ```
 * @module
 */
import type { Logger } from '@presence-router/core';
import { consoleLogger, serverNameOf } from '@presence-router/core';
import { MembershipError } from '../errors.ts';
import { toMembershipError } from '../internal/sql/driver-errors.ts';
import { MAX_DELTA_STREAM_ID, MEMBER_DELTAS_AFTER } from '../internal/sql/synapse-sql-queries.ts';
import type { SqlDriver } from './sql-driver.ts';

/** What one poll found. */
export interface MembershipDelta {
  /** Rooms with a membership change: their joined-member lists may have changed. */
  readonly rooms: ReadonlySet<string>;
  /** Users whose membership changed: their room lists may have changed. */
  readonly users: ReadonlySet<string>;
  /**
   * Rooms where a local user's membership changed (every changed room when no `serverName`
   * was given). There the server may have started or stopped participating, which changes
   * the room lists of EVERY member, not only of `users`.
   */
  readonly localChangeRooms: ReadonlySet<string>;
  /** The highest stream ID covered; the next poll reads after it. */
  readonly upTo: number;
  /**
   * Everything may have changed (the database file was replaced or came back, or the stream
   * went backwards): drop every cached answer. `rooms`, `users` and `localChangeRooms` are
   * empty then; `upTo` is the new database's current maximum.
   */
  readonly reset: boolean;
}

/** Options of {@link DeltaStreamPoller}. */
export interface DeltaStreamPollerOptions {
  /** The database: `SynapseSqlMembership#driver`. */
  readonly driver: SqlDriver;
  /** Called with every non-empty delta, in stream order. May return a promise (awaited). */
  readonly onDelta: (delta: MembershipDelta) => void | Promise<void>;
  /**
   * Called with failures; polling goes on. Database failures are `MembershipError`s
   * (`DATABASE_ERROR`, `DATABASE_UNAVAILABLE`, `TIMEOUT`, `SCHEMA_MISMATCH`, `CLOSED`); an
   * error thrown by `onDelta` is passed as thrown (the changes it was given are not replayed).
   */
  readonly onError?: (error: Error) => void;
  /** Milliseconds between the end of one poll and the next; default 1000. */
  readonly intervalMs?: number;
  /** This homeserver's name, to tell local membership changes apart. */
  readonly serverName?: string;
  /** Start after this stream ID instead of the stream's current maximum. */
  readonly startAfter?: number;
  /** Where warnings go (the database file replaced, deleted, back). Default: console. */
  readonly logger?: Logger;
}

interface DeltaRow {
  stream_id: number | string;
  room_id: string;
  state_key: string;
}

/** Polls Synapse's `current_state_delta_stream` for membership changes. */
export class DeltaStreamPoller {
  readonly #driver: SqlDriver;
  readonly #onDelta: DeltaStreamPollerOptions['onDelta'];
  readonly #onError: (error: Error) => void;
  readonly #intervalMs: number;
  readonly #serverName: string | undefined;
  readonly #logger: Logger;
  #lastSeen: number | undefined;
  /** The database was reopened: the next poll reports a reset instead of reading rows. */
  #resetPending = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  /** The poll in progress; polls are chained so they never overlap. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: DeltaStreamPollerOptions) {
    if (typeof options?.driver?.select !== 'function') {
      throw new MembershipError(
        'INVALID_OPTIONS',
        'DeltaStreamPoller needs { driver } (SynapseSqlMembership#driver)',
      );
    }
    if (typeof options.onDelta !== 'function') {
      throw new MembershipError('INVALID_OPTIONS', 'DeltaStreamPoller needs an onDelta callback');
    }
    const intervalMs = options.intervalMs ?? 1000;
    if (!Number.isFinite(intervalMs) || intervalMs < 1) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `intervalMs must be a number of at least 1, got ${String(intervalMs)}`,
      );
    }
    if (options.startAfter !== undefined && !Number.isSafeInteger(options.startAfter)) {
      throw new MembershipError('INVALID_OPTIONS', 'startAfter must be an integer stream ID');
    }
    this.#driver = options.driver;
    this.#onDelta = options.onDelta;
    this.#onError = options.onError ?? (() => {});
    this.#intervalMs = intervalMs;
    this.#serverName = options.serverName;
    this.#logger = options.logger ?? consoleLogger;
    this.#lastSeen = options.startAfter;
  }

  /** The last stream ID read, or `undefined` before the first read. */
  get lastSeen(): number | undefined {
    return this.#lastSeen;
  }

  /** Whether polling is scheduled. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Reads the stream's current maximum (unless `startAfter` was given) and starts polling.
   * Rejects when that first read fails (nothing is scheduled then).
   */
  async start(): Promise<void> {
    if (this.#running) return;
    if (this.#lastSeen === undefined) {
      await this.#enqueue(() => this.#initialize());
    }
    this.#running = true;
    this.#schedule();
  }

  /** Stops polling and waits for a poll in progress; no timer is left behind. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#chain.catch(() => {});
  }

  /**
   * Polls now: checks the database file, reports the changes since the last poll to
   * `onDelta` and returns them (`undefined` when there were none; a reset delta after the
   * database was reopened). The first read of a poller that was not started only records the
   * stream's current maximum. Query failures reject (and go to `onError`).
   */
  pollOnce(): Promise<MembershipDelta | undefined> {
    return this.#enqueue(() => this.#poll());
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(work, work);
    this.#chain = next.catch(() => {});
    return next;
  }

  async #initialize(): Promise<void> {
    this.#checkFile();
    this.#lastSeen = await this.#streamEnd();
  }

  /** The stream's current maximum ID (0 when empty); failures are reported and thrown. */
  async #streamEnd(): Promise<number> {
    let rows: { max_id: number | string | null }[];
    try {
      rows = await this.#driver.select(MAX_DELTA_STREAM_ID);
    } catch (error) {
      throw this.#report(error, 'Reading the delta stream position failed');
    }
    return Number(rows[0]?.max_id ?? 0);
  }

  /** Asks the driver whether the database file changed; logs what it did. */
  #checkFile(): void {
    let change: ReturnType<NonNullable<SqlDriver['checkFile']>>;
    try {
      change = this.#driver.checkFile?.();
    } catch (error) {
      this.#report(error, 'Checking the database file failed');
      return;
    }
    if (change === undefined) return;
    if (change.reopened) this.#resetPending = true;
    this.#logger.warn(
      change.reopened
        ? `${change.message}; reporting a reset (every cached membership answer is dropped) and reading the delta stream from the new file's current end`
        : change.message,
      { path: change.path, change: change.kind, reopened: change.reopened },
    );
  }

  async #poll(): Promise<MembershipDelta | undefined> {
    if (this.#lastSeen === undefined) {
      await this.#initialize();
      return undefined;
    }
    this.#checkFile();
    if (this.#resetPending) return this.#reset();
    const lastSeen = this.#lastSeen;
    let rows: DeltaRow[];
    try {
      rows = await this.#driver.select<DeltaRow>(MEMBER_DELTAS_AFTER, [lastSeen]);
    } catch (error) {
      throw this.#report(error, 'Polling current_state_delta_stream failed');
    }
    if (rows.length === 0) {
      const end = await this.#streamEnd();
      if (end >= lastSeen) return undefined;
      this.#logger.warn(
        `current_state_delta_stream went back from stream ID ${lastSeen} to ${end} (the database was restored or rewritten); reporting a reset (every cached membership answer is dropped) and reading on from ${end}`,
        { lastSeen, streamEnd: end },
      );
      return this.#reset(end);
    }
    const rooms = new Set<string>();
    const users = new Set<string>();
    const localChangeRooms = new Set<string>();
    let upTo = this.#lastSeen;
    for (const row of rows) {
      rooms.add(row.room_id);
      users.add(row.state_key);
      if (this.#serverName === undefined || serverNameOf(row.state_key) === this.#serverName) {
        localChangeRooms.add(row.room_id);
      }
      upTo = Math.max(upTo, Number(row.stream_id));
    }
    // Advance before calling back: a throwing consumer must not make us replay forever.
    this.#lastSeen = upTo;
    return this.#deliver({ rooms, users, localChangeRooms, upTo, reset: false });
  }

  /** Reports "everything changed" and goes on from the stream's end (`end`, else read now). */
  async #reset(end?: number): Promise<MembershipDelta> {
    const upTo = end ?? (await this.#streamEnd());
    this.#lastSeen = upTo;
    this.#resetPending = false;
    return this.#deliver({
      rooms: new Set(),
      users: new Set(),
      localChangeRooms: new Set(),
      upTo,
      reset: true,
    });
  }

  async #deliver(delta: MembershipDelta): Promise<MembershipDelta> {
    try {
      await this.#onDelta(delta);
    } catch (error) {
      this.#safeOnError(error instanceof Error ? error : new Error(String(error)));
    }
    return delta;
  }

  #report(error: unknown, action: string): MembershipError {
    const wrapped = toMembershipError(error, this.#driver.dialect, action);
    this.#safeOnError(wrapped);
    return wrapped;
  }

  #safeOnError(error: Error): void {
    try {
      this.#onError(error);
    } catch {
      // An error reporter that throws must not stop the poller.
    }
  }

  #schedule(): void {
    if (!this.#running || this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.pollOnce()
        .catch(() => {}) // already reported to onError
        .finally(() => this.#schedule());
    }, this.#intervalMs);
    timer.unref?.();
    this.#timer = timer;
  }
}
