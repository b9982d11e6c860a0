/**
 * `SynapseSqlMembership`: a `MembershipSource` reading a Synapse homeserver's database
 * directly, SQLite (`better-sqlite3`, a file path) or PostgreSQL (`pg`, a connection string
 * or pool). The same queries on both; read-only, never writes.
 *
 * Both drivers are optional peer dependencies, imported on the first query and only by the
 * backend that needs it: `better-sqlite3` for `sqlitePath`, `pg` for `postgresUrl` (a
 * database or pool you hand in needs nothing more). A missing one fails that query, so
 * `open()`, with `MembershipError('DEPENDENCY_MISSING')` naming the package to install.
 *
 * - Joined members: `current_state_events` rows of type `m.room.member` with
 *   `membership = 'join'` (rejected member events have `membership` NULL and never count).
 * - Participation: a room is answered only while a local user is joined, read from
 *   `local_current_membership` (`membership = 'join'`). That table holds exactly this server's
 *   users as Synapse decides it (appservice users included), so no server-name suffix
 *   matching is needed, and it is indexed by room.
 * - Presence sharing hints (MSC4495, optional): the room's current `m.room.presence_sharing`
 *   state event (or its unstable type), its content read from `event_json`; a redacted or
 *   missing event, or any other content, is `forbid`. Needs `event_json` and `redactions`,
 *   which every Synapse database has (`verifySchema` does not require them).
 * - Status: a room missing from `rooms` is `unknown`; a room with no local user joined is
 *   `left` (when the server leaves, Synapse deletes the room's current state but keeps its
 *   `rooms` row); a room in `partial_state_rooms` is `partial-state` (still answered).
 *
 * Answers are new arrays on every call; wrap the source in the membership cache when array
 * identity matters.
 *
 * Faults: every query is bounded by `queryTimeoutMs` (default 5 s; `TIMEOUT`). A SQLite file
 * replaced, truncated or deleted under the adapter is noticed by `driver.checkFile()`, which
 * the `DeltaStreamPoller` calls on every poll: the file is reopened, and while none is
 * readable lookups fail with `DATABASE_UNAVAILABLE`.
 *
 * @example
 * ```ts
 * import { SynapseSqlMembership } from '@presence-router/membership/synapse';
 *
 * const membership = await SynapseSqlMembership.open({ sqlitePath: '/data/homeserver.db' });
 * // or: await SynapseSqlMembership.open({ postgresUrl: 'postgresql://synapse_ro@127.0.0.1/synapse' });
 * const members = await membership.getJoinedMembers(['!room:hs.example']);
 * await membership.close();
 * ```
 * @module
 */
import type { MembershipSource } from '@presence-router/core';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { MembershipError } from '../errors.ts';
import { checkRoomId, checkUserId } from '../internal/checked-ids.ts';
import { combineHints, hintOfEventJson } from '../internal/presence-sharing-content.ts';
import { openPostgresDriver } from '../internal/sql/postgres-driver.ts';
import { openSqliteDriver } from '../internal/sql/sqlite-driver.ts';
import * as queries from '../internal/sql/synapse-sql-queries.ts';
import { SYNAPSE_TABLES_READ } from '../internal/sql/synapse-sql-queries.ts';
import type { PresenceSharingHint, PresenceSharingHintSource } from '../presence-sharing-hints.ts';
import type { RoomStatus, RoomStatusSource } from '../room-status.ts';
import type { SqlDriver } from './sql-driver.ts';

/** Where the Synapse database is. Give exactly one of the four. */
export interface SynapseSqlOptions {
  /** Path of Synapse's SQLite database (`homeserver.db`); must exist; opened read-only. */
  readonly sqlitePath?: string;
  /** An open `better-sqlite3` database (the caller closes it). */
  readonly sqliteDatabase?: Database.Database;
  /** A PostgreSQL connection string; a pool is created and closed by {@link close}. */
  readonly postgresUrl?: string;
  /** A `pg.Pool` (the caller ends it). */
  readonly postgresPool?: pg.Pool;
  /** SQLite only: IDs per `IN (...)` chunk (default 900). */
  readonly sqliteChunkSize?: number;
  /** PostgreSQL URL only: pool size (default 4). */
  readonly maxConnections?: number;
  /**
   * How long one query may take before it fails with `MembershipError('TIMEOUT')`: a
   * positive integer of ms, or `Infinity` for no limit. Default 5000. PostgreSQL: `pg`'s
   * client-side `query_timeout` on every query; with `postgresUrl` also the server-side
   * `statement_timeout` and the wait for a pooled connection. SQLite path: the busy timeout
   * (how long a query waits for a writer's lock).
   */
  readonly queryTimeoutMs?: number;
}

interface MemberRow {
  room_id: string;
  state_key: string;
}

interface HintRow {
  room_id: string;
  json: string;
}

interface StatusRow {
  room_id: string;
  partial: number | boolean;
  participating: number | boolean;
  joined: number | string;
}

function openDriver(options: SynapseSqlOptions): SqlDriver {
  if (typeof options !== 'object' || options === null) {
    throw new MembershipError('INVALID_OPTIONS', 'SynapseSqlMembership needs options');
  }
  const given = (['sqlitePath', 'sqliteDatabase', 'postgresUrl', 'postgresPool'] as const).filter(
    (key) => options[key] !== undefined,
  );
  if (given.length !== 1) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `SynapseSqlMembership needs exactly one of sqlitePath, sqliteDatabase, postgresUrl, postgresPool; got ${
        given.length === 0 ? 'none' : given.join(', ')
      }`,
    );
  }
  if (options.sqlitePath !== undefined || options.sqliteDatabase !== undefined) {
    return openSqliteDriver({
      path: options.sqlitePath,
      database: options.sqliteDatabase,
      chunkSize: options.sqliteChunkSize,
      queryTimeoutMs: options.queryTimeoutMs,
    });
  }
  return openPostgresDriver({
    connectionString: options.postgresUrl,
    pool: options.postgresPool,
    maxConnections: options.maxConnections,
    queryTimeoutMs: options.queryTimeoutMs,
  });
}

function truthy(value: number | boolean | string): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

/** A read-only `MembershipSource` over Synapse's database (SQLite or PostgreSQL). */
export class SynapseSqlMembership
  implements MembershipSource, RoomStatusSource, PresenceSharingHintSource
{
  /** The database connection; share it with a `DeltaStreamPoller`. */
  readonly driver: SqlDriver;

  /**
   * Checks the options (throws `MembershipError('INVALID_OPTIONS')`) without connecting:
   * the first query connects, importing `better-sqlite3` or `pg` when the options need it
   * (`DEPENDENCY_MISSING` when it is not installed). Prefer {@link SynapseSqlMembership.open},
   * which also checks the schema.
   */
  constructor(options: SynapseSqlOptions) {
    this.driver = openDriver(options);
  }

  /**
   * Connects and checks the schema (see {@link verifySchema}); rejects with
   * `INVALID_OPTIONS`, `DEPENDENCY_MISSING`, `DATABASE_ERROR` or `SCHEMA_MISMATCH`.
   */
  static async open(options: SynapseSqlOptions): Promise<SynapseSqlMembership> {
    const membership = new SynapseSqlMembership(options);
    try {
      await membership.verifySchema();
    } catch (error) {
      await membership.close();
      throw error;
    }
    return membership;
  }

  /**
   * Checks that every table and column the adapter reads exists; throws
   * `MembershipError('SCHEMA_MISMATCH')` naming the first one missing, or `DATABASE_ERROR`
   * when the database cannot be reached.
   */
  async verifySchema(): Promise<void> {
    for (const [table, columns] of Object.entries(SYNAPSE_TABLES_READ)) {
      try {
        await this.driver.select(`SELECT ${columns.join(', ')} FROM ${table} WHERE 1 = 0`);
      } catch (error) {
        if (error instanceof MembershipError && error.code === 'SCHEMA_MISMATCH') {
          throw new MembershipError(
            'SCHEMA_MISMATCH',
            `Synapse table ${table} (columns ${columns.join(', ')}) is missing or incomplete: ${error.message}`,
            { cause: error },
          );
        }
        throw error;
      }
    }
  }

  /** Joined members of each room a local user is joined to; other rooms are absent. */
  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    for (const roomId of roomIds) checkRoomId(roomId);
    const rows = await this.driver.selectByList<MemberRow>(queries.JOINED_MEMBERS, roomIds);
    const result = new Map<string, string[]>();
    for (const row of rows) {
      let members = result.get(row.room_id);
      if (members === undefined) {
        members = [];
        result.set(row.room_id, members);
      }
      members.push(row.state_key);
    }
    return result;
  }

  /** Rooms each user is joined to among participated rooms; every user has an entry. */
  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    for (const userId of userIds) checkUserId(userId);
    const rows = await this.driver.selectByList<MemberRow>(queries.ROOMS_FOR_USERS, userIds);
    const result = new Map<string, string[]>();
    for (const userId of userIds) result.set(userId, []);
    for (const row of rows) result.get(row.state_key)?.push(row.room_id);
    return result;
  }

  /** Status of every requested room (`unknown` when it is not in `rooms`). */
  async getRoomStatuses(roomIds: readonly string[]): Promise<ReadonlyMap<string, RoomStatus>> {
    for (const roomId of roomIds) checkRoomId(roomId);
    const rows = await this.driver.selectByList<StatusRow>(queries.ROOM_STATUSES, roomIds);
    const found = new Map<string, RoomStatus>();
    for (const row of rows) {
      const participating = truthy(row.participating);
      found.set(row.room_id, {
        status: !participating ? 'left' : truthy(row.partial) ? 'partial-state' : 'participating',
        joinedCount: participating ? Number(row.joined) : 0,
      });
    }
    const result = new Map<string, RoomStatus>();
    for (const roomId of roomIds) {
      result.set(roomId, found.get(roomId) ?? { status: 'unknown', joinedCount: 0 });
    }
    return result;
  }

  /**
   * The MSC4495 presence sharing hint of every requested room: `suggest` only when its
   * current hint event says so (when both the stable and the unstable event are there, both
   * must); `forbid` otherwise. `SCHEMA_MISMATCH` when `event_json` or `redactions` is missing.
   */
  async getPresenceSharingHints(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, PresenceSharingHint>> {
    for (const roomId of roomIds) checkRoomId(roomId);
    const rows = await this.driver.selectByList<HintRow>(queries.PRESENCE_SHARING_HINTS, roomIds);
    const found = new Map<string, PresenceSharingHint>();
    for (const row of rows) {
      found.set(row.room_id, combineHints(found.get(row.room_id), hintOfEventJson(row.json)));
    }
    const result = new Map<string, PresenceSharingHint>();
    for (const roomId of roomIds) result.set(roomId, found.get(roomId) ?? 'forbid');
    return result;
  }

  /** Closes the connection when the adapter opened it (not a pool or database you passed). */
  async close(): Promise<void> {
    await this.driver.close();
  }
}
